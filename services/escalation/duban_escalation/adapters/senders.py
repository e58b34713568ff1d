"""Pluggable senders: one per channel. Each raises on failure; the delivery loop retries."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import httpx


class SmsGatewaySender:
    def __init__(self, url: str) -> None:
        self.url = url

    async def send(self, recipient: dict, subject: str, text: str, ref: dict) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(self.url, json={"phone": recipient["address"], "text": text, "ref": ref})
            response.raise_for_status()


class SmtpSender:
    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    async def send(self, recipient: dict, subject: str, text: str, ref: dict) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, recipient["address"], subject
        msg.set_content(text)

        def deliver() -> None:
            with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
                smtp.send_message(msg)

        await asyncio.to_thread(deliver)


class WebhookSender:
    async def send(self, recipient: dict, subject: str, text: str, ref: dict) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(recipient["address"], json={"subject": subject, "text": text, "ref": ref})
            response.raise_for_status()


def senders_from(settings) -> dict:
    out: dict = {"webhook": WebhookSender()}
    if settings.sms_gateway_url:
        out["sms"] = SmsGatewaySender(settings.sms_gateway_url)
    if settings.smtp_host:
        out["mail"] = SmtpSender(settings.smtp_host, settings.smtp_port, settings.mail_from)
    return out
