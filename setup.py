"""pip install --no-build-isolation .  builds the extension rntk._rntk with CMake (the same build as
the C++ library and CLI, tests off) and installs it with the package in python/rntk."""

import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent
VERSION = re.search(r"project\(rntk VERSION ([\d.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                        "-DRNTK_BUILD_TESTS=OFF", f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "_rntk", "--parallel"], check=True)
        built = next((build / "python" / "rntk").glob("_rntk*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(built, target)


setup(
    version=VERSION,
    packages=["rntk"],
    package_dir={"": "python"},
    ext_modules=[Extension("rntk._rntk", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
