"""Patient channels: our SMS connector for Twilio (``sms``); the web chat uses Rasa's
socket.io channel (credentials.yml ``socketio``), reached through bot.web's proxy."""
