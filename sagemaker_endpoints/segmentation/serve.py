"""SageMaker inference container entry point: the PixelLift segmentation model server.

SageMaker starts the container as ``docker run <image> serve``; this answers ``GET /ping`` and
``POST /invocations`` on port 8080 (or ``SAGEMAKER_BIND_TO_PORT``), with model artefacts from
``/opt/ml/model`` and settings from the environment. The server, the wire formats and the pre-
and post-processing live in the ``pixellift`` package, shared with the CLI
(``pixellift endpoint serve segmentation`` runs the same server without Docker).
"""

from __future__ import annotations

import os
import sys

from pixellift.adapters.endpoint.entrypoint import container_main

if __name__ == "__main__":
    cpus = len(os.sched_getaffinity(0))
    raise SystemExit(container_main("segmentation", sys.argv[1:], os.environ, cpus))
