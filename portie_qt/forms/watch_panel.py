"""Compiled from ui/watch_panel.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QSpacerItem, QStackedWidget, QTreeWidget, QVBoxLayout, QWidget


class Ui_WatchPanel(object):
    def setupUi(self, WatchPanelForm):
        if not WatchPanelForm.objectName():
            WatchPanelForm.setObjectName(u"WatchPanelForm")
        self.watchLayout = QVBoxLayout(WatchPanelForm)
        self.watchLayout.setSpacing(4)
        self.watchLayout.setObjectName(u"watchLayout")
        self.watchLayout.setContentsMargins(6, 4, 6, 4)
        self.addRow = QHBoxLayout()
        self.addRow.setObjectName(u"addRow")
        self.watchPortEdit = QLineEdit(WatchPanelForm)
        self.watchPortEdit.setObjectName(u"watchPortEdit")
        self.watchPortEdit.setMaxLength(12)
        self.watchPortEdit.setClearButtonEnabled(True)

        self.addRow.addWidget(self.watchPortEdit)

        self.watchAdd = QPushButton(WatchPanelForm)
        self.watchAdd.setObjectName(u"watchAdd")

        self.addRow.addWidget(self.watchAdd)


        self.watchLayout.addLayout(self.addRow)

        self.watchError = QLabel(WatchPanelForm)
        self.watchError.setObjectName(u"watchError")
        self.watchError.setWordWrap(True)
        self.watchError.setTextFormat(Qt.TextFormat.PlainText)
        self.watchError.setVisible(False)

        self.watchLayout.addWidget(self.watchError)

        self.watchStack = QStackedWidget(WatchPanelForm)
        self.watchStack.setObjectName(u"watchStack")
        self.watchList = QTreeWidget()
        self.watchList.setObjectName(u"watchList")
        self.watchList.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.watchList.setRootIsDecorated(False)
        self.watchList.setUniformRowHeights(True)
        self.watchList.setAlternatingRowColors(True)
        self.watchStack.addWidget(self.watchList)
        self.watchEmpty = QLabel()
        self.watchEmpty.setObjectName(u"watchEmpty")
        self.watchEmpty.setWordWrap(True)
        self.watchEmpty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.watchEmpty.setEnabled(False)
        self.watchStack.addWidget(self.watchEmpty)

        self.watchLayout.addWidget(self.watchStack)

        self.actionRow = QHBoxLayout()
        self.actionRow.setObjectName(u"actionRow")
        self.watchRemove = QPushButton(WatchPanelForm)
        self.watchRemove.setObjectName(u"watchRemove")

        self.actionRow.addWidget(self.watchRemove)

        self.actionSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.actionRow.addItem(self.actionSpacer)

        self.watchTerminate = QPushButton(WatchPanelForm)
        self.watchTerminate.setObjectName(u"watchTerminate")

        self.actionRow.addWidget(self.watchTerminate)


        self.watchLayout.addLayout(self.actionRow)

        self.modeRow = QHBoxLayout()
        self.modeRow.setObjectName(u"modeRow")
        self.watchNotifyLabel = QLabel(WatchPanelForm)
        self.watchNotifyLabel.setObjectName(u"watchNotifyLabel")

        self.modeRow.addWidget(self.watchNotifyLabel)

        self.watchNotifyMode = QComboBox(WatchPanelForm)
        self.watchNotifyMode.setObjectName(u"watchNotifyMode")
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        sizePolicy.setHorizontalStretch(1)
        sizePolicy.setVerticalStretch(0)
        sizePolicy.setHeightForWidth(self.watchNotifyMode.sizePolicy().hasHeightForWidth())
        self.watchNotifyMode.setSizePolicy(sizePolicy)

        self.modeRow.addWidget(self.watchNotifyMode)


        self.watchLayout.addLayout(self.modeRow)

#if QT_CONFIG(shortcut)
        self.watchNotifyLabel.setBuddy(self.watchNotifyMode)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(WatchPanelForm)

        QMetaObject.connectSlotsByName(WatchPanelForm)
    # setupUi

    def retranslateUi(self, WatchPanelForm):
        self.watchPortEdit.setPlaceholderText(QCoreApplication.translate("WatchPanel", u"Port to watch, e.g. 3000", None))
        self.watchAdd.setText(QCoreApplication.translate("WatchPanel", u"Watch", None))
#if QT_CONFIG(tooltip)
        self.watchAdd.setToolTip(QCoreApplication.translate("WatchPanel", u"Pin this port: see at a glance whether it is free or who holds it", None))
#endif // QT_CONFIG(tooltip)
        ___qtreewidgetitem = self.watchList.headerItem()
        ___qtreewidgetitem.setText(2, QCoreApplication.translate("WatchPanel", u"Status", None))
        ___qtreewidgetitem.setText(1, QCoreApplication.translate("WatchPanel", u"Service", None))
        ___qtreewidgetitem.setText(0, QCoreApplication.translate("WatchPanel", u"Port", None))
        self.watchEmpty.setText(QCoreApplication.translate("WatchPanel", u"No watched ports. Add one to see at a glance when it comes up or frees up.", None))
        self.watchRemove.setText(QCoreApplication.translate("WatchPanel", u"Unwatch", None))
        self.watchTerminate.setText(QCoreApplication.translate("WatchPanel", u"Terminate\u2026", None))
#if QT_CONFIG(tooltip)
        self.watchTerminate.setToolTip(QCoreApplication.translate("WatchPanel", u"Stop the process holding the selected port", None))
#endif // QT_CONFIG(tooltip)
        self.watchNotifyLabel.setText(QCoreApplication.translate("WatchPanel", u"&Notify:", None))
        pass
    # retranslateUi


Form = Ui_WatchPanel  # builds the widgets into a QWidget
Root = QWidget
