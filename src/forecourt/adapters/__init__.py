"""Adapters: the outside world (SMTP, MQTT, webhooks) behind small interfaces."""
