"""The table of known programs: one case per entry, and a check that no entry is left
without one. A case is a command line as the OS reports it and the label people know."""

from __future__ import annotations

import pytest

from portie_qt.core import apps
from portie_qt.core.apps import app_label

pytestmark = pytest.mark.linux_only  # a private dockerd and sshd

NODE = "/usr/bin/node"
PY = "/usr/bin/python3"
BIN = "/home/ada/web-app/node_modules/.bin"
VENV = "/home/ada/api/.venv/bin"

# (process name, command line, label). Every table entry appears at least once.
CASES = [
    # language-agnostic servers, by executable or process name
    ("postgres", ["/usr/lib/postgresql/16/bin/postgres", "-D", "/var/lib/pg"], "postgres"),
    ("postmaster", ["/usr/pgsql/bin/postmaster"], "postgres"),
    ("redis-server", ["redis-server *:6379"], "redis"),
    ("valkey-server", ["valkey-server *:6379"], "valkey"),
    ("mysqld", ["/usr/sbin/mysqld"], "mysql"),
    ("mariadbd", ["/usr/sbin/mariadbd"], "mariadb"),
    ("mongod", ["/usr/bin/mongod", "--config", "/etc/mongod.conf"], "mongodb"),
    ("memcached", ["/usr/bin/memcached", "-m", "64"], "memcached"),
    ("nginx", ["nginx: master process /usr/sbin/nginx"], "nginx"),
    ("nginx", ["nginx: worker process"], "nginx"),
    ("caddy", ["/usr/bin/caddy", "run"], "caddy"),
    ("httpd", ["/usr/sbin/httpd", "-DFOREGROUND"], "apache"),
    ("apache2", ["/usr/sbin/apache2", "-k", "start"], "apache"),
    ("haproxy", ["/usr/sbin/haproxy", "-f", "/etc/haproxy/haproxy.cfg"], "haproxy"),
    ("traefik", ["/traefik"], "traefik"),
    ("envoy", ["/usr/local/bin/envoy", "-c", "envoy.yaml"], "envoy"),
    (
        "docker-proxy",
        ["/usr/sbin/docker-proxy", "-proto", "tcp", "-host-port", "8080"],
        "docker-proxy",
    ),
    ("dockerd", ["/usr/bin/dockerd", "-H", "fd://"], "docker"),
    ("containerd", ["/usr/bin/containerd"], "containerd"),
    ("sshd", ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"], "sshd"),
    ("dnsmasq", ["/usr/sbin/dnsmasq", "--conf-file=/etc/dnsmasq.conf"], "dnsmasq"),
    ("cupsd", ["/usr/sbin/cupsd", "-l"], "cups"),
    ("systemd-resolve", ["/lib/systemd/systemd-resolved"], "systemd-resolved"),
    ("avahi-daemon", ["avahi-daemon: running [ada.local]"], "avahi"),
    ("etcd", ["/usr/local/bin/etcd"], "etcd"),
    ("consul", ["/usr/bin/consul", "agent", "-dev"], "consul"),
    ("minio", ["/usr/local/bin/minio", "server", "/data"], "minio"),
    ("ollama", ["/usr/local/bin/ollama", "serve"], "ollama"),
    ("node", ["/usr/lib/code-server/lib/node", "/usr/lib/code-server"], "code-server"),
    ("code-server", ["/usr/bin/code-server"], "code-server"),
    ("php-fpm8.2", ["php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)"], "php-fpm"),
    ("uwsgi", ["/usr/bin/uwsgi", "--ini", "app.ini"], "uwsgi"),
    ("mosquitto", ["/usr/sbin/mosquitto", "-c", "/etc/mosquitto/mosquitto.conf"], "mosquitto"),
    ("influxd", ["/usr/bin/influxd"], "influxdb"),
    ("grafana", ["/usr/share/grafana/bin/grafana", "server"], "grafana"),
    ("grafana-server", ["/usr/sbin/grafana-server"], "grafana"),
    ("prometheus", ["/bin/prometheus", "--config.file=prometheus.yml"], "prometheus"),
    ("clickhouse-serv", ["/usr/bin/clickhouse-server"], "clickhouse"),
    ("hugo", ["/usr/local/bin/hugo", "server", "-D"], "hugo"),
    ("esbuild", [f"{BIN}/../@esbuild/linux-x64/bin/esbuild", "--service=0.19"], "esbuild"),
    ("tailscaled", ["/usr/sbin/tailscaled", "--state=/var/lib/tailscale"], "tailscale"),
    ("syncthing", ["/usr/bin/syncthing", "serve"], "syncthing"),
    # node scripts and package binaries
    ("node", [NODE, f"{BIN}/vite"], "vite"),
    ("node", [NODE, "/home/ada/web-app/node_modules/vite/bin/vite.js", "preview"], "vite preview"),
    ("node", [NODE, f"{BIN}/next", "dev", "-p", "3000"], "next dev"),
    ("node", [NODE, f"{BIN}/nuxt", "dev"], "nuxt dev"),
    ("node", [NODE, f"{BIN}/nuxi", "dev"], "nuxt dev"),
    ("node", [NODE, f"{BIN}/webpack-dev-server", "--port", "8080"], "webpack-dev-server"),
    ("node", [NODE, f"{BIN}/webpack", "serve"], "webpack serve"),
    ("node", [NODE, f"{BIN}/react-scripts", "start"], "react-scripts start"),
    (
        "node",
        [NODE, "/home/ada/api/node_modules/@nestjs/cli/bin/nest.js", "start", "--watch"],
        "nest start",
    ),
    ("node", [NODE, f"{BIN}/astro", "dev"], "astro dev"),
    ("node", [NODE, f"{BIN}/remix", "dev"], "remix dev"),
    ("node", [NODE, f"{BIN}/remix-serve", "build/index.js"], "remix"),
    ("node", [NODE, f"{BIN}/storybook", "dev", "-p", "6006"], "storybook dev"),
    ("node", [NODE, f"{BIN}/start-storybook", "-p", "6006"], "storybook"),
    ("node", [NODE, "/home/ada/ng/node_modules/@angular/cli/bin/ng.js", "serve"], "angular serve"),
    ("node", [NODE, f"{BIN}/svelte-kit", "dev"], "sveltekit dev"),
    ("node", [NODE, f"{BIN}/parcel", "index.html"], "parcel"),
    ("node", [NODE, f"{BIN}/gatsby", "develop"], "gatsby develop"),
    ("node", [NODE, f"{BIN}/expo", "start"], "expo start"),
    ("node", [NODE, f"{BIN}/eleventy", "--serve"], "eleventy"),
    (
        "node",
        [NODE, "/usr/lib/node_modules/http-server/bin/http-server", "-p", "8080"],
        "http-server",
    ),
    ("node", [NODE, f"{BIN}/serve", "-s", "build"], "serve"),
    ("node", [NODE, f"{BIN}/json-server", "db.json"], "json-server"),
    ("node", [NODE, f"{BIN}/vitepress", "dev", "docs"], "vitepress dev"),
    ("node", [NODE, f"{BIN}/docusaurus", "start"], "docusaurus start"),
    ("node", [NODE, "/usr/lib/node_modules/npm/bin/npm-cli.js", "run", "dev"], "npm run dev"),
    ("node", [NODE, "/usr/lib/node_modules/yarn/bin/yarn.js", "start"], "yarn start"),
    ("node", [NODE, "/usr/lib/node_modules/pnpm/bin/pnpm.cjs", "run", "dev"], "pnpm run dev"),
    ("node", [NODE, "/usr/lib/node_modules/npm/bin/npx-cli.js", "vite"], "vite"),
    ("node", [NODE, f"{BIN}/nodemon", "server.js"], "server.js"),
    ("node", [NODE, "--inspect=9229", "server.js"], "server.js"),
    ("node", [NODE, "-r", "dotenv/config", "dist/main.js"], "main.js"),
    ("bun", ["/home/ada/.bun/bin/bun", "run", f"{BIN}/vite"], "vite"),
    ("deno", ["/usr/bin/deno", "run", "-A", "main.ts"], "main.ts"),
    (
        "node",
        ["C:\\Program Files\\nodejs\\node.exe", "C:\\web\\node_modules\\vite\\bin\\vite.js"],
        "vite",
    ),
    # Python modules and scripts
    ("python3", [PY, "-m", "http.server", "8000"], "http.server"),
    ("python", ["python", "-m", "SimpleHTTPServer"], "http.server"),
    ("python3", [PY, "-m", "uvicorn", "main:app", "--reload"], "uvicorn main:app"),
    (
        "uvicorn",
        [f"{VENV}/python", f"{VENV}/uvicorn", "--port", "8000", "api.main:app"],
        "uvicorn api.main:app",
    ),
    (
        "gunicorn",
        [f"{VENV}/python", f"{VENV}/gunicorn", "-w", "4", "proj.wsgi:application"],
        "gunicorn proj.wsgi:application",
    ),
    ("python3", [PY, "-m", "gunicorn", "app:create_app()"], "gunicorn app:create_app()"),
    ("hypercorn", [f"{VENV}/python", f"{VENV}/hypercorn", "app:app"], "hypercorn app:app"),
    (
        "daphne",
        [f"{VENV}/python", f"{VENV}/daphne", "proj.asgi:application"],
        "daphne proj.asgi:application",
    ),
    ("python3", [PY, "manage.py", "runserver", "0.0.0.0:8000"], "django runserver"),
    ("python3", [PY, "-m", "django", "runserver"], "django runserver"),
    ("django-admin", [f"{VENV}/python", f"{VENV}/django-admin", "runserver"], "django runserver"),
    ("flask", [f"{VENV}/python", f"{VENV}/flask", "run", "--port", "5000"], "flask run"),
    ("python3", [PY, "-m", "flask", "run"], "flask run"),
    ("jupyter-lab", [f"{VENV}/python", f"{VENV}/jupyter-lab"], "jupyter lab"),
    ("jupyter", [f"{VENV}/python", f"{VENV}/jupyter", "notebook"], "jupyter notebook"),
    ("jupyter-noteboo", [f"{VENV}/python", f"{VENV}/jupyter-notebook"], "jupyter notebook"),
    ("jupyter-server", [f"{VENV}/python", f"{VENV}/jupyter-server"], "jupyter server"),
    ("python3", [PY, "-m", "jupyter", "lab"], "jupyter lab"),
    ("python3", [PY, "-m", "jupyterlab"], "jupyter lab"),
    ("python3", [PY, "-m", "notebook"], "jupyter notebook"),
    ("streamlit", [f"{VENV}/python", f"{VENV}/streamlit", "run", "app.py"], "streamlit run"),
    ("python3", [PY, "-m", "streamlit", "run", "app.py"], "streamlit run"),
    ("mkdocs", [f"{VENV}/python", f"{VENV}/mkdocs", "serve"], "mkdocs serve"),
    ("python3", [PY, "-m", "mkdocs", "serve"], "mkdocs serve"),
    ("celery", [f"{VENV}/python", f"{VENV}/celery", "-A", "proj", "worker"], "celery"),
    ("python3", [PY, "-m", "smtpd", "-n", "-c", "DebuggingServer"], "smtpd"),
    ("python3", [PY, "-m", "aiosmtpd", "-n"], "aiosmtpd"),
    ("python3", [PY, "-m", "pydoc", "-p", "1234"], "pydoc"),
    ("python3", [PY, "vite.js"], "vite"),  # a node-like script run by Python
    ("python3", [PY, "-u", "server.py"], "server.py"),
    ("python3", [PY, "-X", "dev", "app.py"], "app.py"),
    ("python3", [PY, "-m", "mymodule"], "mymodule"),
    ("uv", ["/usr/bin/uv", "run", "uvicorn", "main:app"], "uvicorn main:app"),
    ("python3", [PY, f"{VENV}/poetry", "run", "flask", "run"], "flask run"),
    ("python3", [PY, "-c", "import socket"], "python3"),  # inline code: the process name
    # ruby
    ("ruby", ["/usr/bin/ruby", "bin/rails", "server"], "rails server"),
    ("ruby", ["ruby", "/usr/local/bin/bundle", "exec", "rails", "s"], "rails s"),
    ("ruby", ["/usr/bin/ruby3.1", "/usr/local/bin/puma", "-C", "config/puma.rb"], "puma"),
    ("ruby", ["ruby", "/usr/local/bin/rackup", "-p", "9292"], "rack"),
    ("ruby", ["ruby", "/usr/local/bin/unicorn", "-c", "unicorn.rb"], "unicorn"),
    ("ruby", ["ruby", "/usr/local/bin/jekyll", "serve"], "jekyll serve"),
    # PHP
    ("php", ["php", "-S", "localhost:8000", "-t", "public"], "php built-in server"),
    ("php8.2", ["/usr/bin/php8.2", "artisan", "serve"], "laravel serve"),
    ("php", ["php", "bin/symfony", "server:start"], "symfony"),
    # java: the main class or the jar
    (
        "java",
        [
            "/usr/bin/java",
            "-cp",
            "lib/*",
            "-Dcatalina.home=/opt/tomcat",
            "org.apache.catalina.startup.Bootstrap",
            "start",
        ],
        "tomcat",
    ),
    ("java", ["java", "-Xmx1G", "-cp", "libs/*", "kafka.Kafka", "server.properties"], "kafka"),
    (
        "java",
        ["java", "-cp", "zk.jar", "org.apache.zookeeper.server.quorum.QuorumPeerMain"],
        "zookeeper",
    ),
    ("java", ["java", "-Xms1g", "org.elasticsearch.bootstrap.Elasticsearch"], "elasticsearch"),
    ("java", ["java", "org.opensearch.bootstrap.OpenSearch"], "opensearch"),
    (
        "java",
        ["java", "-cp", "gradle.jar", "org.gradle.launcher.daemon.bootstrap.GradleDaemon", "8.5"],
        "gradle daemon",
    ),
    (
        "java",
        ["java", "-cp", "app.jar", "org.springframework.boot.loader.JarLauncher"],
        "spring boot",
    ),
    (
        "java",
        ["java", "-cp", "app.jar", "org.springframework.boot.loader.launch.JarLauncher"],
        "spring boot",
    ),
    ("java", ["java", "-jar", "/usr/share/java/jenkins.war"], "jenkins"),
    ("java", ["java", "-jar", "target/shop-api-0.1.jar"], "shop-api-0.1.jar"),
    ("java", ["java", "-cp", "build", "com.example.HelloServer"], "HelloServer"),
    # nothing better known: the process name
    ("weird-daemon", ["/opt/weird/weird-daemon", "--flag"], "weird-daemon"),
    ("kworker", [], "kworker"),
    (None, None, None),
]


@pytest.mark.parametrize(("name", "cmdline", "label"), CASES)
def test_app_label(name, cmdline, label):
    assert app_label(name, cmdline) == label


def _labels_covered() -> set[str]:
    return {label for _name, _cmd, label in CASES if label}


@pytest.mark.parametrize(
    ("table", "entries"),
    [
        ("SERVERS", apps.SERVERS),
        ("SCRIPTS", apps.SCRIPTS),
        ("PYTHON_MODULES", apps.PYTHON_MODULES),
        ("JAVA_MAINS", apps.JAVA_MAINS),
    ],
)
def test_every_entry_of_every_table_has_a_case(table, entries):
    covered = set()
    for name, cmdline, _label in CASES:
        words = {*(cmdline or ()), name or ""}
        parts = {p for w in words for p in w.replace("\\", "/").split("/")}
        parts |= {p.rsplit(".", 1)[0] for p in parts}
        covered |= {key for key in entries if key in words or key in parts}
    # manage (manage.py) and the like are found through their file names above.
    missing = set(entries) - covered
    assert missing == set(), f"{table} entries without a test case: {sorted(missing)}"
