"""The image's entry point: ``python -m duban_<service>`` for the service the image was built
for (``DUBAN_SERVICE``, set from the Dockerfile's SERVICE build argument); arguments pass
through, so ``docker run IMAGE migrate`` upgrades the service's database."""

import os
import runpy

runpy.run_module(f"duban_{os.environ['DUBAN_SERVICE']}", run_name="__main__", alter_sys=True)
