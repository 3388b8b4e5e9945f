"""Sending e-mail over SMTP (`SMTP_HOST`, `SMTP_PORT`, optional STARTTLS and login) with the
standard library's `smtplib`.

`smtplib` blocks, so the async side calls `send` and `close` through `asyncio.to_thread`. One
connection serves a whole run: it is opened at the first message and opened again after the
server dropped it.
"""

import smtplib
import ssl
from email.message import EmailMessage

from payment_svc.settings import PaymentSettings


class MailServerUnavailable(Exception):
    """No usable connection to the SMTP server (refused, timed out, TLS or login failed):
    every message would fail the same way, so the caller stops trying for now."""


class SmtpMailer:
    """Blocking: call its methods from a worker thread, one at a time."""

    def __init__(self, settings: PaymentSettings) -> None:
        self._settings = settings
        self._connection: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the SMTP server; raises `MailServerUnavailable` when there is no
        server to hand it to, and `smtplib.SMTPException` (or `OSError`) when the server refused
        it or the connection broke while sending."""
        connection = self._connection or self._connect()
        try:
            connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()
            raise

    def close(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.quit()
        except (smtplib.SMTPException, OSError):
            self._connection.close()
        self._connection = None

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        connection = smtplib.SMTP(timeout=settings.smtp_timeout_seconds)
        try:
            connection.connect(settings.smtp_host, settings.smtp_port)
            if settings.smtp_starttls:
                connection.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                password = settings.smtp_password
                connection.login(
                    settings.smtp_username, password.get_secret_value() if password else ""
                )
        except (smtplib.SMTPException, OSError) as error:
            connection.close()
            raise MailServerUnavailable(
                f"SMTP server {settings.smtp_host}:{settings.smtp_port} unavailable: "
                f"{describe_error(error)}"
            ) from error
        self._connection = connection
        return connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
