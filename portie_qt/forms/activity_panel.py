"""Compiled from ui/activity_panel.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStackedWidget, QTableView, QVBoxLayout, QWidget


class Ui_ActivityPanel(object):
    def setupUi(self, ActivityPanelForm):
        if not ActivityPanelForm.objectName():
            ActivityPanelForm.setObjectName(u"ActivityPanelForm")
        self.activityLayout = QVBoxLayout(ActivityPanelForm)
        self.activityLayout.setSpacing(4)
        self.activityLayout.setObjectName(u"activityLayout")
        self.activityLayout.setContentsMargins(6, 4, 6, 4)
        self.activityBar = QHBoxLayout()
        self.activityBar.setObjectName(u"activityBar")
        self.activityFilter = QLineEdit(ActivityPanelForm)
        self.activityFilter.setObjectName(u"activityFilter")
        self.activityFilter.setClearButtonEnabled(True)

        self.activityBar.addWidget(self.activityFilter)

        self.activityConnections = QCheckBox(ActivityPanelForm)
        self.activityConnections.setObjectName(u"activityConnections")
        self.activityConnections.setChecked(True)

        self.activityBar.addWidget(self.activityConnections)

        self.activityClear = QPushButton(ActivityPanelForm)
        self.activityClear.setObjectName(u"activityClear")

        self.activityBar.addWidget(self.activityClear)


        self.activityLayout.addLayout(self.activityBar)

        self.activityNotice = QLabel(ActivityPanelForm)
        self.activityNotice.setObjectName(u"activityNotice")
        self.activityNotice.setWordWrap(True)
        self.activityNotice.setTextFormat(Qt.TextFormat.PlainText)
        self.activityNotice.setVisible(False)

        self.activityLayout.addWidget(self.activityNotice)

        self.activityStack = QStackedWidget(ActivityPanelForm)
        self.activityStack.setObjectName(u"activityStack")
        self.activityView = QTableView()
        self.activityView.setObjectName(u"activityView")
        self.activityView.setAlternatingRowColors(True)
        self.activityView.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.activityView.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.activityView.setShowGrid(False)
        self.activityView.setWordWrap(False)
        self.activityView.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.activityStack.addWidget(self.activityView)
        self.activityView.horizontalHeader().setHighlightSections(False)
        self.activityView.horizontalHeader().setStretchLastSection(True)
        self.activityView.verticalHeader().setVisible(False)
        self.activityPlaceholder = QLabel()
        self.activityPlaceholder.setObjectName(u"activityPlaceholder")
        self.activityPlaceholder.setWordWrap(True)
        self.activityPlaceholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.activityPlaceholder.setEnabled(False)
        self.activityStack.addWidget(self.activityPlaceholder)

        self.activityLayout.addWidget(self.activityStack)


        self.retranslateUi(ActivityPanelForm)

        QMetaObject.connectSlotsByName(ActivityPanelForm)
    # setupUi

    def retranslateUi(self, ActivityPanelForm):
        self.activityFilter.setPlaceholderText(QCoreApplication.translate("ActivityPanel", u"Filter by port, process or word", None))
        self.activityConnections.setText(QCoreApplication.translate("ActivityPanel", u"Connections", None))
#if QT_CONFIG(tooltip)
        self.activityConnections.setToolTip(QCoreApplication.translate("ActivityPanel", u"Also show processes opening and closing connections", None))
#endif // QT_CONFIG(tooltip)
        self.activityClear.setText(QCoreApplication.translate("ActivityPanel", u"Clear", None))
#if QT_CONFIG(tooltip)
        self.activityClear.setToolTip(QCoreApplication.translate("ActivityPanel", u"Forget all recorded activity", None))
#endif // QT_CONFIG(tooltip)
        pass
    # retranslateUi


Form = Ui_ActivityPanel  # builds the widgets into a QWidget
Root = QWidget
