"""Compiled from ui/main_window.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QSpacerItem, QSplitter, QTableView, QTextBrowser, QVBoxLayout, QWidget


class Ui_PortsView(object):
    def setupUi(self, PortsView):
        if not PortsView.objectName():
            PortsView.setObjectName(u"PortsView")
        PortsView.resize(1180, 680)
        self.mainLayout = QVBoxLayout(PortsView)
        self.mainLayout.setSpacing(6)
        self.mainLayout.setObjectName(u"mainLayout")
        self.mainLayout.setContentsMargins(8, 6, 8, 2)
        self.filterRow = QHBoxLayout()
        self.filterRow.setSpacing(8)
        self.filterRow.setObjectName(u"filterRow")
        self.filterEdit = QLineEdit(PortsView)
        self.filterEdit.setObjectName(u"filterEdit")
        self.filterEdit.setMinimumWidth(280)
        self.filterEdit.setClearButtonEnabled(True)

        self.filterRow.addWidget(self.filterEdit)

        self.listeningOnly = QCheckBox(PortsView)
        self.listeningOnly.setObjectName(u"listeningOnly")

        self.filterRow.addWidget(self.listeningOnly)

        self.separator1 = QFrame(PortsView)
        self.separator1.setObjectName(u"separator1")
        self.separator1.setFrameShape(QFrame.Shape.VLine)
        self.separator1.setFrameShadow(QFrame.Shadow.Sunken)

        self.filterRow.addWidget(self.separator1)

        self.tcpToggle = QCheckBox(PortsView)
        self.tcpToggle.setObjectName(u"tcpToggle")
        self.tcpToggle.setChecked(True)

        self.filterRow.addWidget(self.tcpToggle)

        self.udpToggle = QCheckBox(PortsView)
        self.udpToggle.setObjectName(u"udpToggle")
        self.udpToggle.setChecked(True)

        self.filterRow.addWidget(self.udpToggle)

        self.separator2 = QFrame(PortsView)
        self.separator2.setObjectName(u"separator2")
        self.separator2.setFrameShape(QFrame.Shape.VLine)
        self.separator2.setFrameShadow(QFrame.Shadow.Sunken)

        self.filterRow.addWidget(self.separator2)

        self.ipv4Toggle = QCheckBox(PortsView)
        self.ipv4Toggle.setObjectName(u"ipv4Toggle")
        self.ipv4Toggle.setChecked(True)

        self.filterRow.addWidget(self.ipv4Toggle)

        self.ipv6Toggle = QCheckBox(PortsView)
        self.ipv6Toggle.setObjectName(u"ipv6Toggle")
        self.ipv6Toggle.setChecked(True)

        self.filterRow.addWidget(self.ipv6Toggle)

        self.filterSpacer = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.filterRow.addItem(self.filterSpacer)


        self.mainLayout.addLayout(self.filterRow)

        self.bandRow = QHBoxLayout()
        self.bandRow.setSpacing(4)
        self.bandRow.setObjectName(u"bandRow")
        self.bandLabel = QLabel(PortsView)
        self.bandLabel.setObjectName(u"bandLabel")

        self.bandRow.addWidget(self.bandLabel)

        self.bandAll = QPushButton(PortsView)
        self.bandAll.setObjectName(u"bandAll")
        self.bandAll.setCheckable(True)
        self.bandAll.setChecked(True)

        self.bandRow.addWidget(self.bandAll)

        self.bandWellKnown = QPushButton(PortsView)
        self.bandWellKnown.setObjectName(u"bandWellKnown")
        self.bandWellKnown.setCheckable(True)

        self.bandRow.addWidget(self.bandWellKnown)

        self.bandRegistered = QPushButton(PortsView)
        self.bandRegistered.setObjectName(u"bandRegistered")
        self.bandRegistered.setCheckable(True)

        self.bandRow.addWidget(self.bandRegistered)

        self.bandDynamic = QPushButton(PortsView)
        self.bandDynamic.setObjectName(u"bandDynamic")
        self.bandDynamic.setCheckable(True)

        self.bandRow.addWidget(self.bandDynamic)

        self.bandEphemeral = QPushButton(PortsView)
        self.bandEphemeral.setObjectName(u"bandEphemeral")
        self.bandEphemeral.setCheckable(True)

        self.bandRow.addWidget(self.bandEphemeral)

        self.bandSpacer = QSpacerItem(10, 10, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.bandRow.addItem(self.bandSpacer)

        self.bandSummary = QLabel(PortsView)
        self.bandSummary.setObjectName(u"bandSummary")

        self.bandRow.addWidget(self.bandSummary)


        self.mainLayout.addLayout(self.bandRow)

        self.splitter = QSplitter(PortsView)
        self.splitter.setObjectName(u"splitter")
        self.splitter.setOrientation(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.portsTable = QTableView(self.splitter)
        self.portsTable.setObjectName(u"portsTable")
        self.portsTable.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.portsTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.portsTable.setAlternatingRowColors(False)
        self.portsTable.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.portsTable.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.portsTable.setShowGrid(False)
        self.portsTable.setSortingEnabled(True)
        self.portsTable.setWordWrap(False)
        self.splitter.addWidget(self.portsTable)
        self.portsTable.horizontalHeader().setStretchLastSection(True)
        self.portsTable.verticalHeader().setVisible(False)
        self.sidePane = QWidget(self.splitter)
        self.sidePane.setObjectName(u"sidePane")
        self.sidePane.setMinimumWidth(240)
        self.sideLayout = QVBoxLayout(self.sidePane)
        self.sideLayout.setSpacing(6)
        self.sideLayout.setObjectName(u"sideLayout")
        self.sideLayout.setContentsMargins(0, 0, 0, 0)
        self.answerSlot = QWidget(self.sidePane)
        self.answerSlot.setObjectName(u"answerSlot")
        self.answerSlotLayout = QVBoxLayout(self.answerSlot)
        self.answerSlotLayout.setObjectName(u"answerSlotLayout")
        self.answerSlotLayout.setContentsMargins(0, 0, 0, 0)

        self.sideLayout.addWidget(self.answerSlot)

        self.detailsView = QTextBrowser(self.sidePane)
        self.detailsView.setObjectName(u"detailsView")
        self.detailsView.setOpenExternalLinks(False)

        self.sideLayout.addWidget(self.detailsView)

        self.sideLayout.setStretch(1, 1)
        self.splitter.addWidget(self.sidePane)

        self.mainLayout.addWidget(self.splitter)

        self.mainLayout.setStretch(2, 1)

        self.retranslateUi(PortsView)

        QMetaObject.connectSlotsByName(PortsView)
    # setupUi

    def retranslateUi(self, PortsView):
        self.filterEdit.setPlaceholderText(QCoreApplication.translate("PortsView", u"Search port, app, project, command or PID", None))
#if QT_CONFIG(tooltip)
        self.filterEdit.setToolTip(QCoreApplication.translate("PortsView", u"3000 finds port 3000 (and PIDs, names or commands containing 3000); :3000 finds only port 3000; pid:1234 shows one process's sockets; any other word searches apps, projects, command lines, folders, addresses, services and users. Ctrl+F comes here; Enter goes to the table.", None))
#endif // QT_CONFIG(tooltip)
        self.listeningOnly.setText(QCoreApplication.translate("PortsView", u"Listening only", None))
#if QT_CONFIG(tooltip)
        self.listeningOnly.setToolTip(QCoreApplication.translate("PortsView", u"Show only TCP ports in LISTEN and bound UDP sockets", None))
#endif // QT_CONFIG(tooltip)
        self.tcpToggle.setText(QCoreApplication.translate("PortsView", u"TCP", None))
        self.udpToggle.setText(QCoreApplication.translate("PortsView", u"UDP", None))
        self.ipv4Toggle.setText(QCoreApplication.translate("PortsView", u"IPv4", None))
        self.ipv6Toggle.setText(QCoreApplication.translate("PortsView", u"IPv6", None))
        self.bandLabel.setText(QCoreApplication.translate("PortsView", u"Range:", None))
        self.bandAll.setText(QCoreApplication.translate("PortsView", u"All", None))
#if QT_CONFIG(tooltip)
        self.bandAll.setToolTip(QCoreApplication.translate("PortsView", u"Every port", None))
#endif // QT_CONFIG(tooltip)
        self.bandWellKnown.setText(QCoreApplication.translate("PortsView", u"Well-known", None))
#if QT_CONFIG(tooltip)
        self.bandWellKnown.setToolTip(QCoreApplication.translate("PortsView", u"Ports 0\u20131023: system services", None))
#endif // QT_CONFIG(tooltip)
        self.bandRegistered.setText(QCoreApplication.translate("PortsView", u"Registered", None))
#if QT_CONFIG(tooltip)
        self.bandRegistered.setToolTip(QCoreApplication.translate("PortsView", u"Ports 1024\u201349151: applications and dev tools", None))
#endif // QT_CONFIG(tooltip)
        self.bandDynamic.setText(QCoreApplication.translate("PortsView", u"Dynamic", None))
#if QT_CONFIG(tooltip)
        self.bandDynamic.setToolTip(QCoreApplication.translate("PortsView", u"Ports 49152\u201365535: private services and passing outbound connections", None))
#endif // QT_CONFIG(tooltip)
        self.bandEphemeral.setText(QCoreApplication.translate("PortsView", u"Ephemeral", None))
#if QT_CONFIG(tooltip)
        self.bandEphemeral.setToolTip(QCoreApplication.translate("PortsView", u"This OS's range for outgoing connections: connections passing by", None))
#endif // QT_CONFIG(tooltip)
        self.bandSummary.setText("")
        self.detailsView.setPlaceholderText(QCoreApplication.translate("PortsView", u"Select a row for its details.", None))
        pass
    # retranslateUi


Form = Ui_PortsView  # builds the widgets into a QWidget
Root = QWidget
