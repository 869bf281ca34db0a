"""E-mail through the configured SMTP server: one place for reminders, invitations and any
other message the tracker sends.

Nothing here decides what to send or retries: callers commit what they mean to send first and
mark it sent after, so a crash between the two sends again rather than losing a message.
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    starttls: bool
    username: str
    password: str
    sender: str

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpServer | None:
        """The server, or None when no SMTP host is configured (nothing is e-mailed)."""
        if not config["TRACKER_SMTP_HOST"]:
            return None
        return cls(config["TRACKER_SMTP_HOST"], config["TRACKER_SMTP_PORT"], bool(config["TRACKER_SMTP_STARTTLS"]),
                   config["TRACKER_SMTP_USERNAME"], config["TRACKER_SMTP_PASSWORD"], config["TRACKER_SMTP_FROM"])

    def connect(self) -> smtplib.SMTP:
        """An open connection, upgraded and logged in as configured; use it as a context manager."""
        smtp = smtplib.SMTP(self.host, self.port, timeout=30)
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    def message(self, recipient: str, subject: str, body: str, key: str = "") -> EmailMessage:
        """The message; ``key`` names what it carries (e.g. ``reminder-12``) and makes its
        Message-ID, the same each time it is sent again, so that a mail client can recognise a copy."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        if key:
            domain = parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"
            message["Message-ID"] = f"<{key}@{domain}>"
        message.set_content(body)
        return message
