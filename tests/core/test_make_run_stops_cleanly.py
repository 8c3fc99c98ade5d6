"""`make run` on a fresh checkout's var/ starts web, worker and beat, and Ctrl-C (SIGINT to the
terminal's foreground process group) stops all three without an error line, from the worker or
from make."""

import os
import signal
import socket

from tests.workers import Process, free_port, wait_for

from .test_healthz_and_deploy import ROOT


def test_ctrl_c_stops_make_run_without_error_lines(tmp_path):
    env = {
        **{k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ},
        "PYTHONPATH": str(ROOT),  # this checkout's code, whatever the venv was installed from
        "B2B_VAR_DIR": str(tmp_path / "var"),
        "B2B_RUN_PORT": str(free_port()),
        "PYTHONUNBUFFERED": "1",
    }
    # `-o` the venv's stamp: use the installed venv as it is (no reinstall from the test).
    run = Process(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "run"],
        env=env,
        ready="ready.",  # the worker's last start-up line
        timeout=240,
    )
    try:
        wait_for(
            lambda: "Quit the server with CONTROL-C" in run.log() and "beat: Starting" in run.log(),
            timeout=60,
            what="web and beat to start",
        )
        started = len(run.output)
        os.killpg(run.proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        run.proc.wait(60)
    finally:
        run.kill()
    shutdown = list(run.output)[started:]
    assert any("SIGINT received" in line for line in shutdown), shutdown
    assert any("worker.1 stopped" in line for line in shutdown), shutdown
    noisy = [
        line
        for line in shutdown
        if "ERROR" in line or "Traceback" in line or "make: ***" in line or "Error " in line
    ]
    assert noisy == [], "\n".join(shutdown)
    with socket.socket() as probe:  # the web server is gone too
        assert probe.connect_ex(("127.0.0.1", int(env["B2B_RUN_PORT"]))) != 0
