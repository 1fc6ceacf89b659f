"""Compiled from ui/confirm_dialog.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, QSize, Qt
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget


class Ui_ConfirmForm(object):
    def setupUi(self, ConfirmForm):
        if not ConfirmForm.objectName():
            ConfirmForm.setObjectName(u"ConfirmForm")
        self.outer = QHBoxLayout(ConfirmForm)
        self.outer.setSpacing(14)
        self.outer.setObjectName(u"outer")
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.iconLabel = QLabel(ConfirmForm)
        self.iconLabel.setObjectName(u"iconLabel")
        self.iconLabel.setAlignment(Qt.AlignmentFlag.AlignTop|Qt.AlignmentFlag.AlignHCenter)
        self.iconLabel.setMinimumSize(QSize(48, 48))

        self.outer.addWidget(self.iconLabel)

        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        self.body.setObjectName(u"body")
        self.question = QLabel(ConfirmForm)
        self.question.setObjectName(u"question")
        self.question.setWordWrap(True)
        self.question.setTextFormat(Qt.TextFormat.PlainText)

        self.body.addWidget(self.question)

        self.explanation = QLabel(ConfirmForm)
        self.explanation.setObjectName(u"explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)

        self.body.addWidget(self.explanation)

        self.detailsScroll = QScrollArea(ConfirmForm)
        self.detailsScroll.setObjectName(u"detailsScroll")
        self.detailsScroll.setWidgetResizable(True)
        self.detailsScroll.setFrameShape(QFrame.Shape.StyledPanel)
        self.processDetails = QLabel()
        self.processDetails.setObjectName(u"processDetails")
        self.processDetails.setWordWrap(True)
        self.processDetails.setTextFormat(Qt.TextFormat.RichText)
        self.processDetails.setAlignment(Qt.AlignmentFlag.AlignLeft|Qt.AlignmentFlag.AlignTop)
        self.processDetails.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.processDetails.setMargin(8)
        self.detailsScroll.setWidget(self.processDetails)

        self.body.addWidget(self.detailsScroll)

        self.treeBox = QCheckBox(ConfirmForm)
        self.treeBox.setObjectName(u"treeBox")
        self.treeBox.setVisible(False)

        self.body.addWidget(self.treeBox)

        self.dontAskAgain = QCheckBox(ConfirmForm)
        self.dontAskAgain.setObjectName(u"dontAskAgain")

        self.body.addWidget(self.dontAskAgain)

        self.buttons = QDialogButtonBox(ConfirmForm)
        self.buttons.setObjectName(u"buttons")

        self.body.addWidget(self.buttons)

        self.body.setStretch(2, 1)

        self.outer.addLayout(self.body)


        self.retranslateUi(ConfirmForm)

        QMetaObject.connectSlotsByName(ConfirmForm)
    # setupUi

    def retranslateUi(self, ConfirmForm):
        self.dontAskAgain.setText(QCoreApplication.translate("ConfirmForm", u"Don't ask again before terminating", None))
#if QT_CONFIG(tooltip)
        self.dontAskAgain.setToolTip(QCoreApplication.translate("ConfirmForm", u"From now on, terminate processes in one click. Kill always asks.", None))
#endif // QT_CONFIG(tooltip)
        pass
    # retranslateUi


Form = Ui_ConfirmForm  # builds the widgets into a QWidget
Root = QWidget
