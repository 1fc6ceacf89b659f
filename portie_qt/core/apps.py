"""Which program a process is, in words a developer uses: ``vite``, ``uvicorn main:app``.

Every dev server runs as ``node``, ``python3`` or ``java``; the command line says what
it really is. The known programs are data (the tables below, one place, easy to extend);
``app_label(name, cmdline)`` reads a command line against them and falls back to the
script's name, then to the process name. Qt-free, no I/O.

To teach Portie a program, add one line to the right table and one case to
``tests/core/test_apps.py`` (a test checks every entry has one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Programs that are their own executable: process (or executable) name -> label.
SERVERS: dict[str, str] = {
    "postgres": "postgres",
    "postmaster": "postgres",
    "redis-server": "redis",
    "valkey-server": "valkey",
    "mysqld": "mysql",
    "mariadbd": "mariadb",
    "mongod": "mongodb",
    "memcached": "memcached",
    "nginx": "nginx",
    "caddy": "caddy",
    "httpd": "apache",
    "apache2": "apache",
    "haproxy": "haproxy",
    "traefik": "traefik",
    "envoy": "envoy",
    "docker-proxy": "docker-proxy",
    "dockerd": "docker",
    "containerd": "containerd",
    "sshd": "sshd",
    "dnsmasq": "dnsmasq",
    "cupsd": "cups",
    "systemd-resolved": "systemd-resolved",
    "avahi-daemon": "avahi",
    "etcd": "etcd",
    "consul": "consul",
    "minio": "minio",
    "ollama": "ollama",
    "code-server": "code-server",
    "php-fpm": "php-fpm",
    "uwsgi": "uwsgi",
    "mosquitto": "mosquitto",
    "influxd": "influxdb",
    "grafana": "grafana",
    "grafana-server": "grafana",
    "prometheus": "prometheus",
    "clickhouse-server": "clickhouse",
    "hugo": "hugo",
    "esbuild": "esbuild",
    "tailscaled": "tailscale",
    "syncthing": "syncthing",
}

# Scripts and packages run by an interpreter (node, python, ruby, php, bun, deno):
# script or package name -> label. A sub-command word after it is kept ("next dev").
SCRIPTS: dict[str, str] = {
    # node
    "vite": "vite",
    "next": "next",
    "nuxt": "nuxt",
    "nuxi": "nuxt",
    "webpack-dev-server": "webpack-dev-server",
    "webpack": "webpack",
    "react-scripts": "react-scripts",
    "nest": "nest",
    "astro": "astro",
    "remix": "remix",
    "remix-serve": "remix",
    "storybook": "storybook",
    "start-storybook": "storybook",
    "ng": "angular",
    "svelte-kit": "sveltekit",
    "parcel": "parcel",
    "gatsby": "gatsby",
    "expo": "expo",
    "eleventy": "eleventy",
    "http-server": "http-server",
    "serve": "serve",
    "json-server": "json-server",
    "vitepress": "vitepress",
    "docusaurus": "docusaurus",
    "npm": "npm",
    "yarn": "yarn",
    "pnpm": "pnpm",
    # python (console scripts run as `python /venv/bin/NAME`, or NAME.py)
    "uvicorn": "uvicorn",
    "gunicorn": "gunicorn",
    "hypercorn": "hypercorn",
    "daphne": "daphne",
    "flask": "flask",
    "manage": "django",  # manage.py runserver
    "django-admin": "django",
    "jupyter": "jupyter",
    "jupyter-lab": "jupyter lab",
    "jupyter-notebook": "jupyter notebook",
    "jupyter-server": "jupyter server",
    "streamlit": "streamlit",
    "mkdocs": "mkdocs",
    "celery": "celery",
    # ruby
    "rails": "rails",
    "puma": "puma",
    "rackup": "rack",
    "unicorn": "unicorn",
    "jekyll": "jekyll",
    # php
    "artisan": "laravel",
    "symfony": "symfony",
}

# ``python -m MODULE``: module -> label. Modules that also have a console script share
# the SCRIPTS label; the ones here are only ever run with -m.
PYTHON_MODULES: dict[str, str] = {
    "http.server": "http.server",
    "SimpleHTTPServer": "http.server",
    "uvicorn": "uvicorn",
    "gunicorn": "gunicorn",
    "flask": "flask",
    "django": "django",
    "jupyter": "jupyter",
    "jupyterlab": "jupyter lab",
    "notebook": "jupyter notebook",
    "streamlit": "streamlit",
    "mkdocs": "mkdocs",
    "smtpd": "smtpd",
    "aiosmtpd": "aiosmtpd",
    "pydoc": "pydoc",
}

# ``java … MAIN`` or ``java -jar NAME.jar``: main class or jar name -> label.
JAVA_MAINS: dict[str, str] = {
    "org.apache.catalina.startup.Bootstrap": "tomcat",
    "kafka.Kafka": "kafka",
    "org.apache.zookeeper.server.quorum.QuorumPeerMain": "zookeeper",
    "org.elasticsearch.bootstrap.Elasticsearch": "elasticsearch",
    "org.opensearch.bootstrap.OpenSearch": "opensearch",
    "org.gradle.launcher.daemon.bootstrap.GradleDaemon": "gradle daemon",
    "org.springframework.boot.loader.JarLauncher": "spring boot",
    "org.springframework.boot.loader.launch.JarLauncher": "spring boot",
    "jenkins.war": "jenkins",
}

# Launchers that run another program: the label is that program's. Words such as
# ``exec`` and ``run`` after them are skipped too.
WRAPPERS = frozenset({"npx", "npx-cli", "bunx", "pnpx", "dlx", "bundle", "uv", "uvx", "poetry",
                      "pipenv", "pdm", "hatch", "nodemon", "ts-node", "tsx", "env", "exec",
                      "run", "--"})  # fmt: skip
# Sub-commands worth keeping in the label: "next dev", "rails server", "flask run".
SUBCOMMANDS = frozenset({"dev", "start", "serve", "server", "s", "preview", "run", "runserver",
                         "develop", "watch", "lab", "notebook", "worker", "up"})  # fmt: skip

_PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm"})
_PYTHON = re.compile(r"^(python|pypy|pythonw)[0-9.]*(w|\.exe)?$")
_NODE = re.compile(r"^(node|nodejs|bun|deno)(\.exe)?$")
_RUBY = re.compile(r"^(ruby|jruby)[0-9.]*(\.exe)?$")
_PHP = re.compile(r"^php[0-9.]*(-cli)?(\.exe)?$")
_JAVA = re.compile(r"^javaw?(\.exe)?$")
_VERSION = re.compile(r"[0-9.]+$")
_SCRIPT_SUFFIX = re.compile(r"\.(js|mjs|cjs|ts|mts|py|pyw|rb|php|exe|cmd|bat)$")
# An ASGI/WSGI application argument: ``main:app``, ``proj.asgi:application``.
_APP_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(.*\))?$")
# Interpreter options that take the next word as their value.
_VALUE_OPTIONS = frozenset({"-W", "-X", "-c", "-cp", "-classpath", "--class-path", "-p",
                            "--module-path", "-r", "--require", "--import", "--loader",
                            "--inspect-port", "-I", "-e"})  # fmt: skip


def _base(path: str) -> str:
    """The last part of a path, either slash."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _stem(path: str) -> str:
    return _SCRIPT_SUFFIX.sub("", _base(path))


def _package_of(path: str) -> str | None:
    """``…/node_modules/vite/bin/vite.js`` -> ``vite``; ``…/node_modules/.bin/next`` -> next."""
    parts = path.replace("\\", "/").split("/")
    if "node_modules" not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index("node_modules")
    rest = parts[at + 1 :]
    if not rest:
        return None
    if rest[0] == ".bin" and len(rest) > 1:
        return _stem(rest[1])
    if rest[0].startswith("@") and len(rest) > 1:  # @scope/package: the package names it
        return rest[1]
    return rest[0]


def _positional(args: Sequence[str]) -> int | None:
    """Index of the first argument that is not an interpreter option (or its value)."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in _VALUE_OPTIONS:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return index
    return None


def _with_subcommand(label: str, rest: Sequence[str]) -> str:
    """``next`` + ``["dev", "-p", "3000"]`` -> ``next dev``; ``npm`` + ``run dev`` ->
    ``npm run dev``."""
    if label in _PACKAGE_MANAGERS and rest[:1] == ["run"] and len(rest) > 1:
        return f"{label} run {rest[1]}"
    if rest and rest[0] in SUBCOMMANDS and rest[0] not in label.split():
        return f"{label} {rest[0]}"
    return label


def _app_argument(rest: Sequence[str]) -> str | None:
    """The ``module:app`` argument of uvicorn, gunicorn, hypercorn, daphne."""
    return next((arg for arg in rest if _APP_SPEC.match(arg)), None)


def _known_script(name: str, rest: Sequence[str]) -> str | None:
    label = SCRIPTS.get(name)
    if label is None:
        return None
    if label in ("uvicorn", "gunicorn", "hypercorn", "daphne"):
        app = _app_argument(rest)
        return f"{label} {app}" if app else label
    return _with_subcommand(label, rest)


def _script_label(args: Sequence[str]) -> str | None:
    """What a script and its arguments are: a known program, a wrapped one, or the
    script's own file name."""
    for _ in range(4):  # bounded: npx → tsx → script is as deep as wrappers go
        start = _positional(args)
        if start is None:
            return None
        script, rest = args[start], args[start + 1 :]
        # The package (node_modules/vite/…) and the file's own name (…/bin/ng.js): the
        # package says more, unless it is a scope's tool package (@angular/cli).
        names = [name for name in (_stem(script), _package_of(script)) if name]
        if any(name in WRAPPERS for name in names):
            args = rest
            continue
        for name in reversed(names):
            label = _known_script(name, rest)
            if label:
                return label
        return _base(script)
    return None


def _python(args: Sequence[str]) -> str | None:
    for index, arg in enumerate(args):
        if arg == "-m" and index + 1 < len(args):
            module, rest = args[index + 1], args[index + 2 :]
            if module in ("uvicorn", "gunicorn", "hypercorn", "daphne"):
                return _known_script(module, rest)
            label = PYTHON_MODULES.get(module)
            return _with_subcommand(label, rest) if label else module
        if arg == "-c":
            return None  # inline code: nothing to name it by
        if not arg.startswith("-"):
            break
    return _script_label(args)


def _java(args: Sequence[str]) -> str | None:
    for index, arg in enumerate(args):
        if arg == "-jar" and index + 1 < len(args):
            jar = _base(args[index + 1])
            return JAVA_MAINS.get(jar, jar)
    start = _positional(args)
    if start is None:
        return None
    main = args[start]
    return JAVA_MAINS.get(main, main.rsplit(".", 1)[-1])


def _php(args: Sequence[str]) -> str | None:
    if "-S" in args:
        return "php built-in server"
    return _script_label(args)


def _server(name: str) -> str | None:
    """A known server by executable or process name, with or without a version
    (``php-fpm8.2``, ``python3.11``)."""
    return SERVERS.get(name) or SERVERS.get(_VERSION.sub("", name))


def app_label(name: str | None, cmdline: Sequence[str] | None) -> str | None:
    """The program a process runs, for people: ``vite``, ``next dev``, ``http.server``,
    ``uvicorn main:app``, ``postgres``; the process name when nothing better is known;
    None when neither is visible."""
    if cmdline:
        program = _base(cmdline[0])
        args = list(cmdline[1:])
        if not args and ": " in cmdline[0]:
            # A daemon that rewrote its title: "nginx: worker process", "postgres: …".
            program = cmdline[0].split(":", 1)[0]
        label = None
        if _NODE.match(program):
            if program.startswith("deno") and args[:1] == ["run"]:
                args = args[1:]
            label = _script_label(args)
        elif _PYTHON.match(program):
            label = _python(args)
        elif _RUBY.match(program):
            label = _script_label(args)
        elif _PHP.match(program):
            label = _php(args)
        elif _JAVA.match(program):
            label = _java(args)
        elif _stem(program) in WRAPPERS:
            label = _script_label(args)  # uv run …, env …
        else:
            label = _server(_stem(program)) or _known_script(_stem(program), args)
        if label:
            return label
    if name:
        return _server(name) or name
    return None
