"""Compiled from ui/why_dialog.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSpacerItem, QTextBrowser, QVBoxLayout, QWidget


class Ui_WhyForm(object):
    def setupUi(self, WhyForm):
        if not WhyForm.objectName():
            WhyForm.setObjectName(u"WhyForm")
        WhyForm.resize(640, 420)
        self.layout = QVBoxLayout(WhyForm)
        self.layout.setObjectName(u"layout")
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.headlineLabel = QLabel(WhyForm)
        self.headlineLabel.setObjectName(u"headlineLabel")
        self.headlineLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.headlineLabel.setWordWrap(True)
        self.headlineLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.layout.addWidget(self.headlineLabel)

        self.detailsView = QTextBrowser(WhyForm)
        self.detailsView.setObjectName(u"detailsView")
        self.detailsView.setOpenLinks(False)

        self.layout.addWidget(self.detailsView)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.againButton = QPushButton(WhyForm)
        self.againButton.setObjectName(u"againButton")

        self.buttonRow.addWidget(self.againButton)

        self.copyButton = QPushButton(WhyForm)
        self.copyButton.setObjectName(u"copyButton")

        self.buttonRow.addWidget(self.copyButton)

        self.buttonSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.buttonRow.addItem(self.buttonSpacer)

        self.buttons = QDialogButtonBox(WhyForm)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

        self.buttonRow.addWidget(self.buttons)


        self.layout.addLayout(self.buttonRow)


        self.retranslateUi(WhyForm)

        QMetaObject.connectSlotsByName(WhyForm)
    # setupUi

    def retranslateUi(self, WhyForm):
        self.againButton.setText(QCoreApplication.translate("WhyForm", u"Check &Again", None))
        self.copyButton.setText(QCoreApplication.translate("WhyForm", u"&Copy", None))
        pass
    # retranslateUi


Form = Ui_WhyForm  # builds the widgets into a QWidget
Root = QWidget
