"""Compiled from ui/answer_card.ui by packaging/compile_forms.py: edit the .ui, then re-run it."""

from PySide6.QtCore import QCoreApplication, QMetaObject, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout


class Ui_AnswerCard(object):
    def setupUi(self, AnswerCardForm):
        if not AnswerCardForm.objectName():
            AnswerCardForm.setObjectName(u"AnswerCardForm")
        self.cardLayout = QVBoxLayout(AnswerCardForm)
        self.cardLayout.setSpacing(6)
        self.cardLayout.setObjectName(u"cardLayout")
        self.cardLayout.setContentsMargins(10, 8, 10, 8)
        self.answerText = QLabel(AnswerCardForm)
        self.answerText.setObjectName(u"answerText")
        self.answerText.setWordWrap(True)
        self.answerText.setTextFormat(Qt.TextFormat.PlainText)
        self.answerText.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.cardLayout.addWidget(self.answerText)

        self.answerDetail = QLabel(AnswerCardForm)
        self.answerDetail.setObjectName(u"answerDetail")
        self.answerDetail.setWordWrap(True)
        self.answerDetail.setTextFormat(Qt.TextFormat.PlainText)

        self.cardLayout.addWidget(self.answerDetail)

        self.answerButtons = QGridLayout()
        self.answerButtons.setObjectName(u"answerButtons")
        self.answerButtons.setHorizontalSpacing(6)
        self.answerButtons.setVerticalSpacing(6)
        self.answerOpenButton = QPushButton(AnswerCardForm)
        self.answerOpenButton.setObjectName(u"answerOpenButton")

        self.answerButtons.addWidget(self.answerOpenButton, 0, 0, 1, 1)

        self.answerStopButton = QPushButton(AnswerCardForm)
        self.answerStopButton.setObjectName(u"answerStopButton")

        self.answerButtons.addWidget(self.answerStopButton, 1, 0, 1, 1)

        self.answerKillButton = QPushButton(AnswerCardForm)
        self.answerKillButton.setObjectName(u"answerKillButton")

        self.answerButtons.addWidget(self.answerKillButton, 1, 1, 1, 1)

        self.answerCopyButton = QPushButton(AnswerCardForm)
        self.answerCopyButton.setObjectName(u"answerCopyButton")

        self.answerButtons.addWidget(self.answerCopyButton, 2, 0, 1, 1)

        self.answerWatchButton = QPushButton(AnswerCardForm)
        self.answerWatchButton.setObjectName(u"answerWatchButton")

        self.answerButtons.addWidget(self.answerWatchButton, 0, 1, 1, 1)

        self.answerWhyButton = QPushButton(AnswerCardForm)
        self.answerWhyButton.setObjectName(u"answerWhyButton")

        self.answerButtons.addWidget(self.answerWhyButton, 2, 1, 1, 1)


        self.cardLayout.addLayout(self.answerButtons)


        self.retranslateUi(AnswerCardForm)

        QMetaObject.connectSlotsByName(AnswerCardForm)
    # setupUi

    def retranslateUi(self, AnswerCardForm):
        self.answerOpenButton.setText(QCoreApplication.translate("AnswerCard", u"&Open", None))
#if QT_CONFIG(tooltip)
        self.answerOpenButton.setToolTip(QCoreApplication.translate("AnswerCard", u"Open http://localhost:PORT (Enter)", None))
#endif // QT_CONFIG(tooltip)
        self.answerStopButton.setText(QCoreApplication.translate("AnswerCard", u"&Stop", None))
#if QT_CONFIG(tooltip)
        self.answerStopButton.setToolTip(QCoreApplication.translate("AnswerCard", u"Stop every process holding this port, parent first (Delete)", None))
#endif // QT_CONFIG(tooltip)
        self.answerKillButton.setText(QCoreApplication.translate("AnswerCard", u"&Kill", None))
#if QT_CONFIG(tooltip)
        self.answerKillButton.setToolTip(QCoreApplication.translate("AnswerCard", u"Force every process holding this port to stop at once (Shift+Delete)", None))
#endif // QT_CONFIG(tooltip)
        self.answerCopyButton.setText(QCoreApplication.translate("AnswerCard", u"&Copy Command", None))
#if QT_CONFIG(tooltip)
        self.answerCopyButton.setToolTip(QCoreApplication.translate("AnswerCard", u"Copy the command line of the process holding this port", None))
#endif // QT_CONFIG(tooltip)
        self.answerWatchButton.setText(QCoreApplication.translate("AnswerCard", u"&Watch Port", None))
#if QT_CONFIG(tooltip)
        self.answerWatchButton.setToolTip(QCoreApplication.translate("AnswerCard", u"Pin this port: see at a glance when it frees up or comes back", None))
#endif // QT_CONFIG(tooltip)
        self.answerWhyButton.setText(QCoreApplication.translate("AnswerCard", u"&Why Busy?", None))
#if QT_CONFIG(tooltip)
        self.answerWhyButton.setToolTip(QCoreApplication.translate("AnswerCard", u"Explain what makes this port unavailable, address by address", None))
#endif // QT_CONFIG(tooltip)
        pass
    # retranslateUi


Form = Ui_AnswerCard  # builds the widgets into a QFrame
Root = QFrame
