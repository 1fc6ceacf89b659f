"""Compiled from ui/unlock_dialog.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSizePolicy, QSpacerItem, QVBoxLayout, QWidget


class Ui_UnlockForm(object):
    def setupUi(self, UnlockForm):
        if not UnlockForm.objectName():
            UnlockForm.setObjectName(u"UnlockForm")
        UnlockForm.resize(560, 470)
        self.layout = QVBoxLayout(UnlockForm)
        self.layout.setSpacing(10)
        self.layout.setObjectName(u"layout")
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.featureLabel = QLabel(UnlockForm)
        self.featureLabel.setObjectName(u"featureLabel")
        self.featureLabel.setText(u"(the paid feature that was clicked)")
        self.featureLabel.setWordWrap(True)

        self.layout.addWidget(self.featureLabel)

        self.offerLabel = QLabel(UnlockForm)
        self.offerLabel.setObjectName(u"offerLabel")
        self.offerLabel.setText(u"(what the unlock adds and its price)")
        self.offerLabel.setTextFormat(Qt.TextFormat.RichText)
        self.offerLabel.setWordWrap(True)

        self.layout.addWidget(self.offerLabel)

        self.stateFrame = QFrame(UnlockForm)
        self.stateFrame.setObjectName(u"stateFrame")
        self.stateFrame.setFrameShape(QFrame.Shape.StyledPanel)
        self.stateLayout = QHBoxLayout(self.stateFrame)
        self.stateLayout.setSpacing(10)
        self.stateLayout.setObjectName(u"stateLayout")
        self.stateIcon = QLabel(self.stateFrame)
        self.stateIcon.setObjectName(u"stateIcon")
        self.stateIcon.setMinimumSize(QSize(24, 24))
        self.stateIcon.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.stateLayout.addWidget(self.stateIcon)

        self.stateLabel = QLabel(self.stateFrame)
        self.stateLabel.setObjectName(u"stateLabel")
        self.stateLabel.setText(u"(current license state)")
        self.stateLabel.setWordWrap(True)
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        sizePolicy.setHorizontalStretch(1)
        sizePolicy.setVerticalStretch(0)
        sizePolicy.setHeightForWidth(self.stateLabel.sizePolicy().hasHeightForWidth())
        self.stateLabel.setSizePolicy(sizePolicy)
        self.stateLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.stateLayout.addWidget(self.stateLabel)

        self.removeButton = QPushButton(self.stateFrame)
        self.removeButton.setObjectName(u"removeButton")
        self.removeButton.setAutoDefault(False)

        self.stateLayout.addWidget(self.removeButton)


        self.layout.addWidget(self.stateFrame)

        self.keyLabel = QLabel(UnlockForm)
        self.keyLabel.setObjectName(u"keyLabel")

        self.layout.addWidget(self.keyLabel)

        self.keyEdit = QPlainTextEdit(UnlockForm)
        self.keyEdit.setObjectName(u"keyEdit")
        self.keyEdit.setMinimumHeight(96)
        self.keyEdit.setMaximumHeight(120)
        self.keyEdit.setTabChangesFocus(True)

        self.layout.addWidget(self.keyEdit)

        self.statusLabel = QLabel(UnlockForm)
        self.statusLabel.setObjectName(u"statusLabel")
        self.statusLabel.setText(u"(validation message)")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setMinimumHeight(36)
        self.statusLabel.setAlignment(Qt.AlignmentFlag.AlignLeft|Qt.AlignmentFlag.AlignTop)

        self.layout.addWidget(self.statusLabel)

        self.bottomSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.layout.addItem(self.bottomSpacer)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.buyButton = QPushButton(UnlockForm)
        self.buyButton.setObjectName(u"buyButton")
        self.buyButton.setAutoDefault(False)

        self.buttonRow.addWidget(self.buyButton)

        self.buttonSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonRow.addItem(self.buttonSpacer)

        self.closeButton = QPushButton(UnlockForm)
        self.closeButton.setObjectName(u"closeButton")
        self.closeButton.setAutoDefault(False)

        self.buttonRow.addWidget(self.closeButton)

        self.activateButton = QPushButton(UnlockForm)
        self.activateButton.setObjectName(u"activateButton")

        self.buttonRow.addWidget(self.activateButton)


        self.layout.addLayout(self.buttonRow)

#if QT_CONFIG(shortcut)
        self.keyLabel.setBuddy(self.keyEdit)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(UnlockForm)

        self.activateButton.setDefault(True)


        QMetaObject.connectSlotsByName(UnlockForm)
    # setupUi

    def retranslateUi(self, UnlockForm):
        self.removeButton.setText(QCoreApplication.translate("UnlockForm", u"Remove license", None))
#if QT_CONFIG(tooltip)
        self.removeButton.setToolTip(QCoreApplication.translate("UnlockForm", u"Forget the saved key on this computer; paid features lock again", None))
#endif // QT_CONFIG(tooltip)
        self.keyLabel.setText(QCoreApplication.translate("UnlockForm", u"&License key (paste it from your purchase email):", None))
        self.keyEdit.setPlaceholderText(QCoreApplication.translate("UnlockForm", u"PORTIE-XXXXX-XXXXX-XXXXX-\u2026  (spaces, line breaks and the BEGIN/END lines are fine)", None))
        self.buyButton.setText(QCoreApplication.translate("UnlockForm", u"&Buy a Key\u2026", None))
#if QT_CONFIG(tooltip)
        self.buyButton.setToolTip(QCoreApplication.translate("UnlockForm", u"Open the purchase page in your browser; the key arrives by email", None))
#endif // QT_CONFIG(tooltip)
        self.closeButton.setText(QCoreApplication.translate("UnlockForm", u"Close", None))
        self.activateButton.setText(QCoreApplication.translate("UnlockForm", u"&Activate", None))
        pass
    # retranslateUi


Form = Ui_UnlockForm  # builds the widgets into a QWidget
Root = QWidget
