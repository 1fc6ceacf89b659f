"""Compiled from ui/add_host_dialog.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QLabel, QLineEdit, QSizePolicy, QSpacerItem, QVBoxLayout, QWidget


class Ui_AddHostForm(object):
    def setupUi(self, AddHostForm):
        if not AddHostForm.objectName():
            AddHostForm.setObjectName(u"AddHostForm")
        AddHostForm.resize(480, 220)
        self.layout = QVBoxLayout(AddHostForm)
        self.layout.setSpacing(8)
        self.layout.setObjectName(u"layout")
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.introLabel = QLabel(AddHostForm)
        self.introLabel.setObjectName(u"introLabel")
        self.introLabel.setWordWrap(True)

        self.layout.addWidget(self.introLabel)

        self.hostLabel = QLabel(AddHostForm)
        self.hostLabel.setObjectName(u"hostLabel")

        self.layout.addWidget(self.hostLabel)

        self.hostEdit = QLineEdit(AddHostForm)
        self.hostEdit.setObjectName(u"hostEdit")
        self.hostEdit.setClearButtonEnabled(True)

        self.layout.addWidget(self.hostEdit)

        self.sudoCheck = QCheckBox(AddHostForm)
        self.sudoCheck.setObjectName(u"sudoCheck")

        self.layout.addWidget(self.sudoCheck)

        self.messageLabel = QLabel(AddHostForm)
        self.messageLabel.setObjectName(u"messageLabel")
        self.messageLabel.setText(u"")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.layout.addWidget(self.messageLabel)

        self.bottomSpacer = QSpacerItem(10, 4, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.layout.addItem(self.bottomSpacer)

        self.buttonBox = QDialogButtonBox(AddHostForm)
        self.buttonBox.setObjectName(u"buttonBox")
        self.buttonBox.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.layout.addWidget(self.buttonBox)

#if QT_CONFIG(shortcut)
        self.hostLabel.setBuddy(self.hostEdit)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(AddHostForm)

        QMetaObject.connectSlotsByName(AddHostForm)
    # setupUi

    def retranslateUi(self, AddHostForm):
        self.introLabel.setText(QCoreApplication.translate("AddHostForm", u"Portie logs in with your own OpenSSH setup (~/.ssh/config, your keys and agent, ProxyJump, known_hosts) and never asks for a password: the host must accept your key.", None))
        self.hostLabel.setText(QCoreApplication.translate("AddHostForm", u"&Host (a name from ~/.ssh/config, or user@host[:port]):", None))
        self.hostEdit.setPlaceholderText(QCoreApplication.translate("AddHostForm", u"staging, or pi@192.0.2.7:2222", None))
        self.sudoCheck.setText(QCoreApplication.translate("AddHostForm", u"Allow &sudo for Terminate and Kill on this host (only without a password)", None))
#if QT_CONFIG(tooltip)
        self.sudoCheck.setToolTip(QCoreApplication.translate("AddHostForm", u"Without it, Portie never runs sudo there: it can stop only the login's own processes", None))
#endif // QT_CONFIG(tooltip)
        pass
    # retranslateUi


Form = Ui_AddHostForm  # builds the widgets into a QWidget
Root = QWidget
