"""A PhoneMyBot bot in Python (standard library only): greets the caller, echoes what they say, counts turns in
`opaque`, transfers on "agent" and hangs up on "goodbye". The messaging API is in docs/api.md."""
import hmac
import json
import os
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

PORT = int(os.environ.get("PORT", "3000"))
BOT_TOKEN = os.environ.get("BOT_TOKEN", "")  # the service's bot token: what PhoneMyBot sends us
PHONEMYBOT_TOKEN = os.environ.get("PHONEMYBOT_TOKEN", "")  # the service's PhoneMyBot token: what we send back
PHONEMYBOT_URL = os.environ.get("PHONEMYBOT_URL", "http://localhost:8787")
AGENT_NUMBER = os.environ.get("AGENT_NUMBER")  # where "agent" transfers the caller, e.g. +14155550100


def flag(value):
    """`new`/`last` are "true"/"false" strings or booleans, depending on the service's message format."""
    return value is True or value == "true"


def reply(message):
    """What to answer to one message of the caller's side; None: nothing to say."""
    if flag(message.get("last")):
        return None  # the call has ended
    hints = json.loads(message["hints"]) if message.get("hints") else {}
    if hints.get("telephony", {}).get("event") == "transfer_failed":
        return {"body": "Sorry, nobody can take your call right now."}
    if flag(message.get("new")):
        return {"body": "Hello! I repeat what you say. Say agent for a person, or goodbye to hang up."}
    text = (message.get("body") or "").strip()
    if not text:
        return None  # keys pressed, or an event we do not handle
    if re.search(r"\bgoodbye\b", text, re.I):
        return {"body": "Goodbye! <hangup/>"}  # the markup ends the call after the sentence, as "last" does
    if re.search(r"\bagent\b", text, re.I):
        if not AGENT_NUMBER:
            return {"body": "Sorry, no agent number is configured."}
        transfer = {"action": "transfer", "info": {"called": AGENT_NUMBER}}
        return {"body": "Putting you through to a person.", "hints": json.dumps({"telephony": transfer})}
    try:
        turns = json.loads(message.get("opaque") or "{}").get("turns", 0)
    except ValueError:
        turns = 0
    return {"body": f"You said: {text}. That was turn {turns + 1}.", "opaque": json.dumps({"turns": turns + 1})}


def send(conversation, answer):
    request = urllib.request.Request(
        f"{PHONEMYBOT_URL}/cloudengine/rest/voicebot/send/{quote(conversation, safe='')}",
        data=json.dumps({"conversation": conversation, **answer}).encode(),
        headers={"content-type": "application/json", "authorization": f"Basic {PHONEMYBOT_TOKEN}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.load(response)
    except urllib.error.HTTPError as error:
        print("PhoneMyBot refused our message:", json.load(error).get("reason"), flush=True)


class Bot(BaseHTTPRequestHandler):
    def do_POST(self):
        if not hmac.compare_digest(self.headers.get("authorization", "").encode(), f"Basic {BOT_TOKEN}".encode()):
            return self.answer(401, {"success": False, "reason": "authorization fail"})
        try:
            message = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            conversation = message["conversation"]
        except (ValueError, KeyError, TypeError):
            return self.answer(400, {"success": False, "reason": "rejected"})
        answer = reply(message)
        self.answer(200, {"success": True, "reason": "delivered"})
        # Our reply is a request of its own, sent once this one is answered.
        if answer:
            threading.Thread(target=send, args=(conversation, answer)).start()

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    print(f"bot listening on http://127.0.0.1:{PORT}/bot", flush=True)
    ThreadingHTTPServer(("127.0.0.1", PORT), Bot).serve_forever()
