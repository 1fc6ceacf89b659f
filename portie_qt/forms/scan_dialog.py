"""Compiled from ui/scan_dialog.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QSizePolicy, QSpacerItem, QSpinBox, QTreeView, QVBoxLayout, QWidget


class Ui_ScanForm(object):
    def setupUi(self, ScanForm):
        if not ScanForm.objectName():
            ScanForm.setObjectName(u"ScanForm")
        ScanForm.resize(760, 560)
        self.layout = QVBoxLayout(ScanForm)
        self.layout.setObjectName(u"layout")
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.formLayout = QFormLayout()
        self.formLayout.setObjectName(u"formLayout")
        self.hostLabel = QLabel(ScanForm)
        self.hostLabel.setObjectName(u"hostLabel")

        self.formLayout.setWidget(0, QFormLayout.ItemRole.LabelRole, self.hostLabel)

        self.hostEdit = QLineEdit(ScanForm)
        self.hostEdit.setObjectName(u"hostEdit")
        self.hostEdit.setClearButtonEnabled(True)

        self.formLayout.setWidget(0, QFormLayout.ItemRole.FieldRole, self.hostEdit)

        self.portsLabel = QLabel(ScanForm)
        self.portsLabel.setObjectName(u"portsLabel")

        self.formLayout.setWidget(1, QFormLayout.ItemRole.LabelRole, self.portsLabel)

        self.portsRow = QHBoxLayout()
        self.portsRow.setObjectName(u"portsRow")
        self.presetCombo = QComboBox(ScanForm)
        self.presetCombo.setObjectName(u"presetCombo")

        self.portsRow.addWidget(self.presetCombo)

        self.portsEdit = QLineEdit(ScanForm)
        self.portsEdit.setObjectName(u"portsEdit")

        self.portsRow.addWidget(self.portsEdit)


        self.formLayout.setLayout(1, QFormLayout.ItemRole.FieldRole, self.portsRow)

        self.settingsLabel = QLabel(ScanForm)
        self.settingsLabel.setObjectName(u"settingsLabel")

        self.formLayout.setWidget(2, QFormLayout.ItemRole.LabelRole, self.settingsLabel)

        self.settingsRow = QHBoxLayout()
        self.settingsRow.setObjectName(u"settingsRow")
        self.timeout = QDoubleSpinBox(ScanForm)
        self.timeout.setObjectName(u"timeout")
        self.timeout.setDecimals(2)
        self.timeout.setMinimum(0.050000000000000)
        self.timeout.setMaximum(60.000000000000000)
        self.timeout.setSingleStep(0.250000000000000)
        self.timeout.setValue(1.000000000000000)

        self.settingsRow.addWidget(self.timeout)

        self.concurrencyLabel = QLabel(ScanForm)
        self.concurrencyLabel.setObjectName(u"concurrencyLabel")

        self.settingsRow.addWidget(self.concurrencyLabel)

        self.concurrency = QSpinBox(ScanForm)
        self.concurrency.setObjectName(u"concurrency")
        self.concurrency.setMinimum(1)
        self.concurrency.setMaximum(8192)
        self.concurrency.setValue(2048)

        self.settingsRow.addWidget(self.concurrency)

        self.bannersCheck = QCheckBox(ScanForm)
        self.bannersCheck.setObjectName(u"bannersCheck")

        self.settingsRow.addWidget(self.bannersCheck)

        self.settingsSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.settingsRow.addItem(self.settingsSpacer)


        self.formLayout.setLayout(2, QFormLayout.ItemRole.FieldRole, self.settingsRow)


        self.layout.addLayout(self.formLayout)

        self.reminderFrame = QFrame(ScanForm)
        self.reminderFrame.setObjectName(u"reminderFrame")
        self.reminderFrame.setFrameShape(QFrame.Shape.StyledPanel)
        self.reminderLayout = QHBoxLayout(self.reminderFrame)
        self.reminderLayout.setObjectName(u"reminderLayout")
        self.reminderLabel = QLabel(self.reminderFrame)
        self.reminderLabel.setObjectName(u"reminderLabel")
        self.reminderLabel.setWordWrap(True)
        self.reminderLabel.setTextFormat(Qt.TextFormat.PlainText)

        self.reminderLayout.addWidget(self.reminderLabel)

        self.reminderDismissButton = QPushButton(self.reminderFrame)
        self.reminderDismissButton.setObjectName(u"reminderDismissButton")

        self.reminderLayout.addWidget(self.reminderDismissButton)

        self.reminderLayout.setStretch(0, 1)

        self.layout.addWidget(self.reminderFrame)

        self.confirmFrame = QFrame(ScanForm)
        self.confirmFrame.setObjectName(u"confirmFrame")
        self.confirmFrame.setFrameShape(QFrame.Shape.StyledPanel)
        self.confirmLayout = QHBoxLayout(self.confirmFrame)
        self.confirmLayout.setObjectName(u"confirmLayout")
        self.confirmLabel = QLabel(self.confirmFrame)
        self.confirmLabel.setObjectName(u"confirmLabel")
        self.confirmLabel.setWordWrap(True)
        self.confirmLabel.setTextFormat(Qt.TextFormat.PlainText)

        self.confirmLayout.addWidget(self.confirmLabel)

        self.confirmScanButton = QPushButton(self.confirmFrame)
        self.confirmScanButton.setObjectName(u"confirmScanButton")

        self.confirmLayout.addWidget(self.confirmScanButton)

        self.confirmCancelButton = QPushButton(self.confirmFrame)
        self.confirmCancelButton.setObjectName(u"confirmCancelButton")

        self.confirmLayout.addWidget(self.confirmCancelButton)

        self.confirmLayout.setStretch(0, 1)

        self.layout.addWidget(self.confirmFrame)

        self.runRow = QHBoxLayout()
        self.runRow.setObjectName(u"runRow")
        self.startButton = QPushButton(ScanForm)
        self.startButton.setObjectName(u"startButton")

        self.runRow.addWidget(self.startButton)

        self.cancelButton = QPushButton(ScanForm)
        self.cancelButton.setObjectName(u"cancelButton")
        self.cancelButton.setEnabled(False)

        self.runRow.addWidget(self.cancelButton)

        self.progressBar = QProgressBar(ScanForm)
        self.progressBar.setObjectName(u"progressBar")
        self.progressBar.setValue(0)

        self.runRow.addWidget(self.progressBar)


        self.layout.addLayout(self.runRow)

        self.statusLabel = QLabel(ScanForm)
        self.statusLabel.setObjectName(u"statusLabel")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.statusLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.layout.addWidget(self.statusLabel)

        self.changesLabel = QLabel(ScanForm)
        self.changesLabel.setObjectName(u"changesLabel")
        self.changesLabel.setWordWrap(True)
        self.changesLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.changesLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.layout.addWidget(self.changesLabel)

        self.resultsTable = QTreeView(ScanForm)
        self.resultsTable.setObjectName(u"resultsTable")
        self.resultsTable.setAlternatingRowColors(True)
        self.resultsTable.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.resultsTable.setUniformRowHeights(True)
        self.resultsTable.setWordWrap(False)

        self.layout.addWidget(self.resultsTable)

        self.footerRow = QHBoxLayout()
        self.footerRow.setObjectName(u"footerRow")
        self.countsLabel = QLabel(ScanForm)
        self.countsLabel.setObjectName(u"countsLabel")
        self.countsLabel.setTextFormat(Qt.TextFormat.PlainText)

        self.footerRow.addWidget(self.countsLabel)

        self.showAllCheck = QCheckBox(ScanForm)
        self.showAllCheck.setObjectName(u"showAllCheck")

        self.footerRow.addWidget(self.showAllCheck)

        self.footerSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.footerRow.addItem(self.footerSpacer)

        self.historyCombo = QComboBox(ScanForm)
        self.historyCombo.setObjectName(u"historyCombo")
        self.historyCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.historyCombo.setMinimumContentsLength(18)

        self.footerRow.addWidget(self.historyCombo)

        self.exportCsvButton = QPushButton(ScanForm)
        self.exportCsvButton.setObjectName(u"exportCsvButton")
        self.exportCsvButton.setEnabled(False)

        self.footerRow.addWidget(self.exportCsvButton)

        self.exportJsonButton = QPushButton(ScanForm)
        self.exportJsonButton.setObjectName(u"exportJsonButton")
        self.exportJsonButton.setEnabled(False)

        self.footerRow.addWidget(self.exportJsonButton)


        self.layout.addLayout(self.footerRow)

#if QT_CONFIG(shortcut)
        self.hostLabel.setBuddy(self.hostEdit)
        self.portsLabel.setBuddy(self.presetCombo)
        self.settingsLabel.setBuddy(self.timeout)
        self.concurrencyLabel.setBuddy(self.concurrency)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(ScanForm)

        self.startButton.setDefault(True)


        QMetaObject.connectSlotsByName(ScanForm)
    # setupUi

    def retranslateUi(self, ScanForm):
        self.hostLabel.setText(QCoreApplication.translate("ScanForm", u"&Host:", None))
        self.hostEdit.setPlaceholderText(QCoreApplication.translate("ScanForm", u"Hosts: 192.168.1.20, nas.local, ::1, a block 192.168.1.0/24 or a range 192.168.1.10-20, separated by commas", None))
        self.portsLabel.setText(QCoreApplication.translate("ScanForm", u"&Ports:", None))
#if QT_CONFIG(tooltip)
        self.presetCombo.setToolTip(QCoreApplication.translate("ScanForm", u"Which ports to try", None))
#endif // QT_CONFIG(tooltip)
        self.portsEdit.setPlaceholderText(QCoreApplication.translate("ScanForm", u"e.g. 22,80,443 or 8000-8100", None))
#if QT_CONFIG(tooltip)
        self.portsEdit.setToolTip(QCoreApplication.translate("ScanForm", u"Ports, ranges and presets separated by commas: 22,80,8000-8100,top100", None))
#endif // QT_CONFIG(tooltip)
        self.settingsLabel.setText(QCoreApplication.translate("ScanForm", u"&Timeout:", None))
#if QT_CONFIG(tooltip)
        self.timeout.setToolTip(QCoreApplication.translate("ScanForm", u"How long to wait for each port before calling it filtered", None))
#endif // QT_CONFIG(tooltip)
        self.timeout.setSuffix(QCoreApplication.translate("ScanForm", u" s", None))
        self.concurrencyLabel.setText(QCoreApplication.translate("ScanForm", u"&Concurrency:", None))
#if QT_CONFIG(tooltip)
        self.concurrency.setToolTip(QCoreApplication.translate("ScanForm", u"Connection attempts in flight at once", None))
#endif // QT_CONFIG(tooltip)
        self.bannersCheck.setText(QCoreApplication.translate("ScanForm", u"Ask open ports what they are (&banners)", None))
        self.reminderDismissButton.setText(QCoreApplication.translate("ScanForm", u"Got it", None))
        self.confirmScanButton.setText(QCoreApplication.translate("ScanForm", u"Scan &Them", None))
        self.confirmCancelButton.setText(QCoreApplication.translate("ScanForm", u"Don't Scan", None))
        self.startButton.setText(QCoreApplication.translate("ScanForm", u"&Start Scan", None))
        self.cancelButton.setText(QCoreApplication.translate("ScanForm", u"Ca&ncel", None))
#if QT_CONFIG(tooltip)
        self.changesLabel.setToolTip(QCoreApplication.translate("ScanForm", u"What changed since the last scan of the same hosts", None))
#endif // QT_CONFIG(tooltip)
        self.showAllCheck.setText(QCoreApplication.translate("ScanForm", u"&List closed and filtered ports", None))
#if QT_CONFIG(tooltip)
        self.historyCombo.setToolTip(QCoreApplication.translate("ScanForm", u"Reopen a past scan to see or export it", None))
#endif // QT_CONFIG(tooltip)
        self.exportCsvButton.setText(QCoreApplication.translate("ScanForm", u"Export &CSV\u2026", None))
        self.exportJsonButton.setText(QCoreApplication.translate("ScanForm", u"Export &JSON\u2026", None))
        pass
    # retranslateUi


Form = Ui_ScanForm  # builds the widgets into a QWidget
Root = QWidget
