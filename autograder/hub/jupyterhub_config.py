# JupyterHub for the nncost course: `make hub` (python -m autograder.hub start) runs
#   jupyterhub -f autograder/hub/jupyterhub_config.py
# after autograder/hub/provision.py has set the machine up (users, exchange, proxy) and written
# the hub's state directory: build/hub/ by default, another one in $NNCOST_HUB_STATE (the
# browser test, tests/e2e/test_hub.py, runs a hub of its own that way).
import json
import os
from pathlib import Path

# provided by traitlets when JupyterHub loads this file (not importable: that get_config is
# the running application's, not this file's)
c = get_config()  # type: ignore[name-defined]  # noqa: F821

STATE = Path(
    os.environ.get("NNCOST_HUB_STATE", Path(__file__).resolve().parents[2] / "build" / "hub")
)
hub = json.loads((STATE / "hub.json").read_text())  # written by provision.write_state

# --- where it listens: this machine only --------------------------------------------------
c.JupyterHub.ip = "127.0.0.1"  # the proxy, where people open the hub
c.JupyterHub.port = hub["port"]
c.JupyterHub.hub_ip = "127.0.0.1"  # the hub's own API (the proxy and the users' servers call it)
c.JupyterHub.hub_port = hub["hub_port"]
# configurable-http-proxy from the npm registry, installed by the setup (not a global install);
# the hub starts it and stops it with itself
c.ConfigurableHTTPProxy.command = [hub["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub['proxy_api_port']}"

# --- the hub's own files: in the state directory, readable by root only --------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server
c.JupyterHub.shutdown_on_logout = False

# --- who may log in: the course's local users, each with their own system password ----------
c.JupyterHub.authenticator_class = "pam"  # passwords set by the setup with chpasswd
c.PAMAuthenticator.open_sessions = False  # no login session (systemd-logind) per server
c.Authenticator.allowed_users = {hub["instructor"], *hub["students"]}
c.Authenticator.admin_users = {hub["instructor"]}  # may see and stop the students' servers

# --- each user's server: a process of that system user, in their home ----------------------
c.JupyterHub.spawner_class = "localprocess"
# the users' Python: the repository's .venv (provision.open_python lets them reach it)
c.Spawner.cmd = [hub["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"  # the server's root is the user's home (the course is ~/nncost)
c.Spawner.args = [
    "--LabApp.news_url=",  # no news fetch and no update check: nothing leaves the machine
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]
c.Spawner.environment = {
    # the users' Python first: `jupyter`, `nbgrader` and the kernel's `python` are that one's
    "PATH": f"{Path(hub['python']).parent}:/usr/local/bin:/usr/bin:/bin",
    "TF_CPP_MIN_LOG_LEVEL": "3",  # the course's notebooks import TensorFlow: keep its logs quiet
}
c.Spawner.start_timeout = 120  # a cold server imports JupyterLab and nbgrader on 2 cores
c.Spawner.http_timeout = 120
