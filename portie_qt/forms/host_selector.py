"""Compiled from ui/host_selector.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget


class Ui_HostSelector(object):
    def setupUi(self, HostSelectorForm):
        if not HostSelectorForm.objectName():
            HostSelectorForm.setObjectName(u"HostSelectorForm")
        self.hostLayout = QHBoxLayout(HostSelectorForm)
        self.hostLayout.setSpacing(4)
        self.hostLayout.setObjectName(u"hostLayout")
        self.hostLayout.setContentsMargins(4, 0, 8, 0)
        self.hostLabel = QLabel(HostSelectorForm)
        self.hostLabel.setObjectName(u"hostLabel")

        self.hostLayout.addWidget(self.hostLabel)

        self.hostCombo = QComboBox(HostSelectorForm)
        self.hostCombo.setObjectName(u"hostCombo")
        self.hostCombo.setMinimumWidth(180)
        self.hostCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self.hostLayout.addWidget(self.hostCombo)

        self.hostMenuButton = QToolButton(HostSelectorForm)
        self.hostMenuButton.setObjectName(u"hostMenuButton")
        self.hostMenuButton.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)

        self.hostLayout.addWidget(self.hostMenuButton)

#if QT_CONFIG(shortcut)
        self.hostLabel.setBuddy(self.hostCombo)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(HostSelectorForm)

        QMetaObject.connectSlotsByName(HostSelectorForm)
    # setupUi

    def retranslateUi(self, HostSelectorForm):
        self.hostLabel.setText(QCoreApplication.translate("HostSelector", u"Host:", None))
#if QT_CONFIG(tooltip)
        self.hostCombo.setToolTip(QCoreApplication.translate("HostSelector", u"Whose ports the window shows: this computer, or a host reached over SSH", None))
#endif // QT_CONFIG(tooltip)
        self.hostMenuButton.setText(QCoreApplication.translate("HostSelector", u"Hosts", None))
#if QT_CONFIG(tooltip)
        self.hostMenuButton.setToolTip(QCoreApplication.translate("HostSelector", u"Add a host, allow sudo on it, or remove it", None))
#endif // QT_CONFIG(tooltip)
        pass
    # retranslateUi


Form = Ui_HostSelector  # builds the widgets into a QWidget
Root = QWidget
