"""Compiled from ui/reference_dialog.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QSplitter, QTextBrowser, QVBoxLayout, QWidget


class Ui_ReferenceForm(object):
    def setupUi(self, ReferenceForm):
        if not ReferenceForm.objectName():
            ReferenceForm.setObjectName(u"ReferenceForm")
        ReferenceForm.resize(760, 480)
        self.layout = QVBoxLayout(ReferenceForm)
        self.layout.setSpacing(8)
        self.layout.setObjectName(u"layout")
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.searchEdit = QLineEdit(ReferenceForm)
        self.searchEdit.setObjectName(u"searchEdit")
        self.searchEdit.setClearButtonEnabled(True)

        self.layout.addWidget(self.searchEdit)

        self.splitter = QSplitter(ReferenceForm)
        self.splitter.setObjectName(u"splitter")
        self.splitter.setOrientation(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.resultsList = QListWidget(self.splitter)
        self.resultsList.setObjectName(u"resultsList")
        self.resultsList.setMinimumWidth(200)
        self.resultsList.setAlternatingRowColors(True)
        self.splitter.addWidget(self.resultsList)
        self.entryView = QTextBrowser(self.splitter)
        self.entryView.setObjectName(u"entryView")
        self.entryView.setMinimumWidth(320)
        self.entryView.setOpenExternalLinks(False)
        self.splitter.addWidget(self.entryView)

        self.layout.addWidget(self.splitter)

        self.sourceLabel = QLabel(ReferenceForm)
        self.sourceLabel.setObjectName(u"sourceLabel")
        self.sourceLabel.setWordWrap(True)
        self.sourceLabel.setTextFormat(Qt.TextFormat.PlainText)

        self.layout.addWidget(self.sourceLabel)

        self.layout.setStretch(1, 1)

        self.retranslateUi(ReferenceForm)

        QMetaObject.connectSlotsByName(ReferenceForm)
    # setupUi

    def retranslateUi(self, ReferenceForm):
        self.searchEdit.setPlaceholderText(QCoreApplication.translate("ReferenceForm", u"Port number or service name, e.g. 5432, redis, vite", None))
        self.entryView.setPlaceholderText(QCoreApplication.translate("ReferenceForm", u"Type a port number or a name to see what it is and whether this machine uses it.", None))
        pass
    # retranslateUi


Form = Ui_ReferenceForm  # builds the widgets into a QWidget
Root = QWidget
