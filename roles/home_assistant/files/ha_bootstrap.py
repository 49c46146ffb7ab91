"""Bring a running Home Assistant to the state the role describes, through its API.

Run by the sovereign.cloud.home_assistant role with the Python of Home
Assistant's venv (for aiohttp). Reads one JSON document on stdin (secrets
never go on a command line) and writes one JSON document on stdout:
{"changed": bool, "actions": [...]} or {"error": "..."} with exit status 1.

Input keys:
  url        base URL of Home Assistant on loopback
  config_dir Home Assistant's configuration directory (read only)
  owner      {name, username, password}: the owner account, created through
             the onboarding API on a new instance, used to log in otherwise
  language   language of the owner account
  tokens     [{name, path}]: long-lived access tokens kept in 0600 files,
             each belonging to its own read-only user (so a scraper's token
             cannot change anything); a token is (re)created when its file
             is missing or no longer accepted
  analytics  false: every analytics preference is kept off
  backup     null, or {password, copies, time, agent_ids}: Home Assistant's
             own daily backups, encrypted, with retention
  mqtt       null, or {broker, port, username, password, ca_certificate}:
             the MQTT config entry, created when there is none and
             reconfigured when it differs (read from .storage); with
             ca_certificate (PEM), Home Assistant connects over TLS and
             verifies the broker's certificate against that CA
  check      true: report what would change, change nothing
  timeout    seconds to wait for Home Assistant to answer
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time

import aiohttp

CLIENT_SUFFIX = " (sovereign.cloud)"


class BootstrapError(Exception):
    pass


class HomeAssistant:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.client_id = self.url + "/"
        self.ws = None
        self.msg_id = 0
        self.sessions: list[str] = []

    async def wait_until_up(self, timeout: float) -> None:
        """Wait until the API answers (401 without a token)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                async with self.session.get(self.url + "/api/") as resp:
                    if resp.status == 401:
                        return
                    last = f"HTTP {resp.status}"
            except aiohttp.ClientError as exc:
                last = str(exc)
            await asyncio.sleep(2)
        raise BootstrapError(f"Home Assistant did not answer on {self.url} within {timeout:.0f} s ({last})")

    async def token_from_code(self, code: str) -> str:
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self.session.post(self.url + "/auth/token", data=data) as resp:
            if resp.status != 200:
                raise BootstrapError(f"token exchange refused: HTTP {resp.status}")
            answer = await resp.json()
        self.sessions.append(answer["refresh_token"])
        return answer["access_token"]

    async def revoke_sessions(self) -> None:
        """Log out: each run would otherwise leave a refresh token behind."""
        for refresh_token in self.sessions:
            async with self.session.post(self.url + "/auth/revoke", data={"token": refresh_token}):
                pass
        self.sessions.clear()

    async def onboard_owner(self, owner: dict, language: str) -> str:
        payload = {
            "client_id": self.client_id,
            "name": owner["name"],
            "username": owner["username"],
            "password": owner["password"],
            "language": language,
        }
        # The onboarding views may be registered a moment after the API.
        for _attempt in range(30):
            async with self.session.post(self.url + "/api/onboarding/users", json=payload) as resp:
                if resp.status == 200:
                    return await self.token_from_code((await resp.json())["auth_code"])
                if resp.status != 404:
                    raise BootstrapError(f"creating the owner through onboarding failed: HTTP {resp.status}")
            await asyncio.sleep(2)
        raise BootstrapError("the onboarding API never appeared (HTTP 404)")

    async def login(self, owner: dict) -> str:
        """Log in with {username, password}; returns an access token."""
        start = {"client_id": self.client_id, "handler": ["homeassistant", None], "redirect_uri": self.client_id}
        async with self.session.post(self.url + "/auth/login_flow", json=start) as resp:
            flow = await resp.json()
        step = {"client_id": self.client_id, "username": owner["username"], "password": owner["password"]}
        async with self.session.post(f"{self.url}/auth/login_flow/{flow['flow_id']}", json=step) as resp:
            result = await resp.json()
        if result.get("type") != "create_entry":
            raise BootstrapError(
                "home_assistant_owner: Home Assistant refused the owner's user name or password "
                "(changed in the UI? set home_assistant_owner.password to the current one)"
            )
        return await self.token_from_code(result["result"])

    async def token_works(self, token: str) -> bool:
        async with self.session.get(self.url + "/api/", headers={"Authorization": f"Bearer {token}"}) as resp:
            return resp.status == 200

    async def connect(self, access_token: str) -> aiohttp.ClientWebSocketResponse:
        ws = await self.session.ws_connect(self.url + "/api/websocket")
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": access_token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise BootstrapError(f"websocket authentication failed: {answer.get('message', answer)}")
        return ws

    async def call(self, message_type: str, ws=None, **payload) -> object:
        ws = ws or self.ws
        self.msg_id += 1
        await ws.send_json({"id": self.msg_id, "type": message_type, **payload})
        while True:
            answer = await ws.receive_json()
            if answer.get("id") == self.msg_id and answer.get("type") == "result":
                break
        if not answer.get("success"):
            raise BootstrapError(f"{message_type} failed: {answer.get('error', {}).get('message', answer)}")
        return answer.get("result")

    async def upload(self, token: str, name: str, content: bytes) -> str:
        """Upload a file for a config flow's file selector; returns its file_id."""
        form = aiohttp.FormData()
        form.add_field("file", content, filename=name, content_type="application/x-pem-file")
        headers = {"Authorization": f"Bearer {token}"}
        async with self.session.post(self.url + "/api/file_upload", data=form, headers=headers) as resp:
            body = await resp.json(content_type=None)
            if resp.status >= 400 or "file_id" not in body:
                raise BootstrapError(f"file upload refused: HTTP {resp.status} {body}")
            return body["file_id"]

    async def rest(self, method: str, path: str, token: str, payload: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"}
        async with self.session.request(method, self.url + path, json=payload, headers=headers) as resp:
            body = await resp.json(content_type=None)
            if resp.status >= 400:
                raise BootstrapError(f"{method} {path}: HTTP {resp.status} {body}")
            return body


def owner_exists(config_dir: str) -> bool:
    """Whether onboarding created the owner, from Home Assistant's own record.

    Once onboarding is complete Home Assistant stops serving its onboarding
    API, so the record on disk is the one reliable source.
    """
    try:
        with open(os.path.join(config_dir, ".storage", "onboarding")) as handle:
            return "user" in json.load(handle).get("data", {}).get("done", [])
    except FileNotFoundError:
        return False


def write_secret(path: str, content: str) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content + "\n")
    os.replace(tmp, path)


async def ensure_tokens(ha: HomeAssistant, tokens: list[dict], check: bool, actions: list[str]) -> None:
    for token in tokens:
        path = token["path"]
        if os.path.exists(path):
            with open(path) as handle:
                current = handle.read().strip()
            if current and await ha.token_works(current):
                continue
        actions.append(f"create long-lived token {token['name']} in {path}")
        if check:
            continue
        username = f"sovereign-{token['name']}"
        # The token's user gets a fresh random password that nobody keeps:
        # it is only needed to log in once and mint the token.
        password = secrets.token_urlsafe(32)
        users = {user["username"]: user for user in await ha.call("config/auth/list") if user.get("username")}
        if username in users:
            await ha.call(
                "config/auth_provider/homeassistant/admin_change_password",
                user_id=users[username]["id"],
                password=password,
            )
        else:
            created = await ha.call(
                "config/auth/create",
                name=f"{token['name']}{CLIENT_SUFFIX}",
                group_ids=["system-read-only"],
                local_only=True,
            )
            await ha.call(
                "config/auth_provider/homeassistant/create",
                user_id=created["user"]["id"],
                username=username,
                password=password,
            )
        user_ws = await ha.connect(await ha.login({"username": username, "password": password}))
        client_name = token["name"] + CLIENT_SUFFIX
        # A lost token file leaves its token behind in Home Assistant, and a
        # new one cannot reuse the name: delete the stale one first.
        for refresh in await ha.call("auth/refresh_tokens", ws=user_ws):
            if refresh.get("client_name") == client_name and refresh.get("type") == "long_lived_access_token":
                await ha.call("auth/delete_refresh_token", ws=user_ws, refresh_token_id=refresh["id"])
        value = await ha.call("auth/long_lived_access_token", ws=user_ws, client_name=client_name, lifespan=3650)
        await user_ws.close()
        write_secret(path, value)


async def ensure_analytics_off(ha: HomeAssistant, check: bool, actions: list[str]) -> None:
    state = await ha.call("analytics")
    enabled = sorted(key for key, value in (state.get("preferences") or {}).items() if value)
    if enabled:
        actions.append(f"turn analytics off ({', '.join(enabled)})")
        if not check:
            await ha.call("analytics/preferences", preferences={key: False for key in state["preferences"]})


async def ensure_backup(ha: HomeAssistant, wanted: dict, check: bool, actions: list[str]) -> None:
    config = (await ha.call("backup/config/info"))["config"]
    create = config.get("create_backup") or {}
    schedule = config.get("schedule") or {}
    retention = config.get("retention") or {}
    desired_create = {
        "agent_ids": wanted["agent_ids"],
        "include_database": True,
        "password": wanted["password"],
    }
    same = (
        all(create.get(key) == value for key, value in desired_create.items())
        and schedule.get("recurrence") == "daily"
        and (schedule.get("time") or "")[:5] == wanted["time"]
        and retention.get("copies") == wanted["copies"]
        and config.get("automatic_backups_configured") is True
    )
    if same:
        return
    actions.append(f"schedule daily encrypted backups at {wanted['time']}, keeping {wanted['copies']}")
    if not check:
        await ha.call(
            "backup/config/update",
            create_backup=desired_create,
            schedule={"recurrence": "daily", "time": wanted["time"]},
            retention={"copies": wanted["copies"], "days": None},
            automatic_backups_configured=True,
        )


def mqtt_entry(config_dir: str) -> dict | None:
    """The MQTT config entry as Home Assistant stored it ({entry_id, data}), or None.

    The API lists entries without their data; the record on disk has it.
    """
    try:
        with open(os.path.join(config_dir, ".storage", "core.config_entries")) as handle:
            entries = json.load(handle).get("data", {}).get("entries", [])
    except FileNotFoundError:
        return None
    return next((entry for entry in entries if entry.get("domain") == "mqtt"), None)


def mqtt_entry_matches(entry: dict, wanted: dict) -> bool:
    data = entry.get("data", {})
    wanted_ca = (wanted.get("ca_certificate") or "").strip()
    return (
        data.get("broker") == wanted["broker"]
        and int(data.get("port", 1883)) == int(wanted["port"])
        and data.get("username") == wanted["username"]
        and data.get("password") == wanted["password"]
        and (data.get("certificate") or "").strip() == wanted_ca
        and not data.get("tls_insecure", False)
    )


async def mqtt_flow(ha: HomeAssistant, token: str, wanted: dict, entry_id: str | None) -> None:
    """Create (or, with entry_id, reconfigure) the MQTT entry through its config flow.

    The broker step shows the TLS settings only as advanced options: the
    flow is started with show_advanced_options, the advanced form asked for,
    then answered with the CA uploaded through /api/file_upload (the flow's
    file selector). Home Assistant connects to the broker before it accepts.
    """
    start = {"handler": "mqtt", "show_advanced_options": True}
    if entry_id:
        start["entry_id"] = entry_id
    flow = await ha.rest("POST", "/api/config/config_entries/flow", token, start)
    if flow.get("type") != "form" or flow.get("step_id") != "broker":
        raise BootstrapError(f"unexpected first step of the MQTT flow: {flow.get('type')} {flow.get('step_id')}")
    basic = {key: wanted[key] for key in ("broker", "port", "username", "password")}
    fields = {field.get("name") for field in flow.get("data_schema", [])}
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    if wanted.get("ca_certificate"):
        # Each answer brings the next part of the form: the advanced options,
        # then, once a custom CA is chosen, its file field.
        for step, needs in (({"advanced_options": True}, "set_ca_cert"), ({"set_ca_cert": "custom"}, "certificate")):
            if needs in fields:
                continue
            flow = await ha.rest("POST", path, token, {**basic, **step})
            fields = {field.get("name") for field in flow.get("data_schema", [])}
            if flow.get("type") != "form" or needs not in fields:
                raise BootstrapError(f"the MQTT flow did not offer {needs}: {flow.get('type')} {flow.get('errors')}")
        file_id = await ha.upload(token, "broker-ca.crt", wanted["ca_certificate"].encode())
        answer = {**basic, "set_ca_cert": "custom", "certificate": file_id, "tls_insecure": False}
    else:
        answer = {**basic, "set_ca_cert": "off"} if "set_ca_cert" in fields else basic
    result = await ha.rest("POST", path, token, answer)
    done = result.get("type") == "create_entry" or (
        result.get("type") == "abort" and result.get("reason") == "reconfigure_successful"
    )
    if not done:
        raise BootstrapError(
            f"the MQTT broker was refused: {result.get('errors') or result.get('reason') or result.get('type')}"
        )


async def ensure_mqtt(
    ha: HomeAssistant, token: str, wanted: dict, config_dir: str, *, check: bool, actions: list[str]
) -> None:
    entry = mqtt_entry(config_dir)
    if entry and mqtt_entry_matches(entry, wanted):
        return
    over = "TLS" if wanted.get("ca_certificate") else "plain MQTT"
    verb = "reconfigure the MQTT entry for" if entry else "add the MQTT broker"
    actions.append(f"{verb} {wanted['broker']}:{wanted['port']} ({over})")
    if check:
        return
    await mqtt_flow(ha, token, wanted, entry.get("entry_id") if entry else None)


async def run(spec: dict) -> dict:
    actions: list[str] = []
    check = bool(spec.get("check"))
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        ha = HomeAssistant(session, spec["url"])
        await ha.wait_until_up(float(spec.get("timeout", 300)))
        if not owner_exists(spec["config_dir"]):
            actions.append(f"create the owner {spec['owner']['username']}")
            if check:
                # Nothing more can be read without an account.
                return {"changed": True, "actions": actions}
            access = await ha.onboard_owner(spec["owner"], spec.get("language", "en"))
        else:
            access = await ha.login(spec["owner"])
        ha.ws = await ha.connect(access)
        await ensure_tokens(ha, spec.get("tokens", []), check, actions)
        if spec.get("analytics") is False:
            await ensure_analytics_off(ha, check, actions)
        if spec.get("backup"):
            await ensure_backup(ha, spec["backup"], check, actions)
        if spec.get("mqtt"):
            await ensure_mqtt(ha, access, spec["mqtt"], spec["config_dir"], check=check, actions=actions)
        await ha.ws.close()
        await ha.revoke_sessions()
    return {"changed": bool(actions), "actions": actions}


def main() -> int:
    try:
        result = asyncio.run(run(json.load(sys.stdin)))
    except (TimeoutError, BootstrapError, aiohttp.ClientError, KeyError, ValueError) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
