"""Install visdom's web assets from npm packages, so its server never reaches for a CDN.

    python -m plugins.upstream.visdom_assets [--from DIR] [--static DIR] [--check]

At first start visdom's server downloads its JavaScript, CSS, fonts and
MathJax from CDNs, which fails (and crashes the server) on a machine without
internet. The same files are in npm packages: this fetches their tarballs
with the npm client (from whatever registry npm is configured with), or
takes them from --from DIR (tarballs copied in by hand, named as `npm pack`
names them), checks each against a pinned sha256, puts each file where
visdom looks for it and marks the static folder built. Nothing in the
static folder changes unless every tarball is there and checks out.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from plugins import cli
from plugins.data import atomic_write

BUILT_FILE = "version.built"
MATHJAX = "js/mathjax/2.7.5/"


@dataclass(frozen=True)
class Package:
    """An npm tarball and the files visdom wants from it: {path in tarball: path under static/}."""
    name: str
    version: str
    sha256: str
    files: dict

    @property
    def tarball(self) -> str:
        """The file name `npm pack` gives it."""
        return f"{self.name}-{self.version}.tgz"


BOOTSTRAP_FONTS = {f"package/dist/fonts/glyphicons-halflings-regular.{ext}": f"fonts/glyphicons-halflings-regular.{ext}"
                   for ext in ("eot", "woff2", "woff", "ttf")}
# What visdom 0.2.4's server/build.py downloads, file for file.
PACKAGES = (
    Package("jquery", "3.1.1", "1edfdafd71f26e2730a2029f5c4971598f55f57627fd17c3410914aed2293821",
            {"package/dist/jquery.min.js": "js/jquery.min.js"}),
    Package("bootstrap", "3.3.7", "a9de9f9d74b46743821bda60e5f81233c7a2dc83ad4db60d0c0e396dc255fc2a",
            {"package/dist/js/bootstrap.min.js": "js/bootstrap.min.js",
             "package/dist/css/bootstrap.min.css": "css/bootstrap.min.css", **BOOTSTRAP_FONTS,
             "package/dist/fonts/glyphicons-halflings-regular.svg":
                 "fonts/glyphicons-halflings-regular.svg#glyphicons_halflingsregular"}),
    Package("react", "16.2.0", "c0d1fc3e4157e03898012d3bd6360879a58f1178ab839859a15433aa60ed5499",
            {"package/umd/react.production.min.js": "js/react-react.min.js"}),
    Package("react-dom", "16.2.0", "6596694ba625de26e265c4ae5b7a5f568022568573a05bbdb2659792bcc101b6",
            {"package/umd/react-dom.production.min.js": "js/react-dom.min.js"}),
    Package("react-modal", "3.1.10", "d656a396f68e2a9b2329087840ea005e5da0408410dd8064e1c30ffeaa9d5133",
            {"package/dist/react-modal.min.js": "js/react-modal.min.js"}),
    Package("plotly.js-dist-min", "2.11.1", "25f1ca783c4e71e01c96031fc85ab114aebf931ba563d250d1ec59421cb79113",
            {"package/plotly.min.js": "js/plotly-plotly.min.js"}),
    Package("sjcl", "1.0.7", "9fe881f59d05151dd4e38e4eca65821e773f1f8a7eb01f6fdb819008b0ce544e",
            {"package/sjcl.js": "js/sjcl.js"}),
    Package("layout-bin-packer", "1.4.0", "f5d72447b16e3a912c5001bbda3b7308dfc48749882c8ff4ce8fc0c265176f7a",
            {"package/dist/layout-bin-packer.js": "js/layout_bin_packer.js",
             "package/dist/layout-bin-packer.js.map": "js/layout-bin-packer.js.map"}),
    Package("d3", "3.5.17", "da49ebf01f88a039c748eb4aa682fec45672f7c2abca3b363633b8f835065b35",
            {"package/d3.min.js": "js/d3.v3.min.js"}),
    Package("d3-selection-multi", "1.0.1", "449fab3b22583c83882bb326857c0be04321cd087162ec1bfe872214bd0b9827",
            {"package/build/d3-selection-multi.js": "js/d3-selection-multi.v1.js"}),
    Package("save-svg-as-png", "1.4.17", "639bdcaeb3e945de6282670b88a5d058605431aca7d6890661227c6f7cc3f55a",
            {"package/lib/saveSvgAsPng.js": "js/saveSvgAsPng.js"}),
    Package("react-resizable", "1.4.6", "8855b10f7961dfce72bb032575769b40581a61aa716d0f5d426c4d5e184aa622",
            {"package/css/styles.css": "css/react-resizable-styles.css"}),
    Package("react-grid-layout", "0.16.3", "b57981208742e5be47a4aa761194103d5c0e3ddd473d7fd8989c608dd9345550",
            {"package/css/styles.css": "css/react-grid-layout-styles.css"}),
    Package("classnames", "2.2.5", "38c83d48c787e08af4e79e591bb4e3b519e84c492507b16d593a98f576ea8959",
            {"package/index.js": "fonts/classnames"}),
    Package("mathjax", "2.7.5", "7fc8acc02a4930cdc59983ba4003686208af39fc855245fa8ae8d4b27fab781b",
            {f"package/{p}": MATHJAX + p for p in (
                "MathJax.js", "config/Safe.js", "config/TeX-AMS-MML_HTMLorMML.js", "extensions/Safe.js",
                "jax/output/SVG/config.js", "jax/output/SVG/jax.js", "jax/output/SVG/fonts/TeX/fontdata.js",
                "jax/output/SVG/fonts/TeX/Size1/Regular/Main.js")}),
)


class AssetError(cli.UserError):
    """A one-line reason the assets could not be installed (nothing was changed)."""


def visdom_static_dir() -> Path:
    """The static folder of the installed visdom package."""
    import visdom
    return Path(visdom.__file__).resolve().parent / "static"


def visdom_version() -> str:
    import visdom
    return visdom.__version__


def missing_files(static: Path, packages=PACKAGES) -> list[str]:
    """Asset files not yet in `static`."""
    return [target for p in packages for target in p.files.values() if not (static / target).exists()]


def is_built(static: Path, version: str, packages=PACKAGES) -> bool:
    """True when visdom would start without downloading anything."""
    built = static / BUILT_FILE
    return built.exists() and built.read_text().strip() == version and not missing_files(static, packages)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def npm_pack(package: Package, dest: Path) -> Path:
    """Fetch one tarball with the npm client (its configured registry)."""
    if shutil.which("npm") is None:
        raise AssetError("npm is not installed: install Node.js/npm, or pass --from DIR with the tarballs")
    proc = subprocess.run(["npm", "pack", f"{package.name}@{package.version}", "--pack-destination", str(dest),
                           "--silent"], capture_output=True, text=True)
    path = dest / package.tarball
    if proc.returncode != 0 or not path.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise AssetError(f"npm could not fetch {package.name}@{package.version} (registry unreachable?): {last}")
    return path


def stage(packages, work: Path, from_dir: Path | None) -> Path:
    """Fetch (or find), verify and unpack every package into work/static; return that folder."""
    staged = work / "static"
    for package in packages:
        if from_dir is not None:
            tarball = from_dir / package.tarball
            if not tarball.exists():
                raise AssetError(f"--from {from_dir}: missing {package.tarball}")
        else:
            tarball = npm_pack(package, work)
        digest = sha256(tarball)
        if digest != package.sha256:
            raise AssetError(f"checksum mismatch for {tarball.name}: sha256 {digest}, expected {package.sha256}")
        with tarfile.open(tarball, "r:gz") as tar:
            for member, target in package.files.items():
                try:
                    data = tar.extractfile(member)
                except KeyError:
                    data = None
                if data is None:
                    raise AssetError(f"{tarball.name} has no file {member}")
                (staged / target).parent.mkdir(parents=True, exist_ok=True)
                (staged / target).write_bytes(data.read())
    return staged


def install(static: Path | None = None, from_dir: Path | None = None, packages=PACKAGES,
            version: str | None = None) -> list[str]:
    """Put every asset into visdom's static folder and mark it built; return the files written.

    Raises AssetError, leaving `static` as it was, if any tarball is missing or wrong.
    """
    static = static or visdom_static_dir()
    version = version or visdom_version()
    with tempfile.TemporaryDirectory() as tmp:
        staged = stage(packages, Path(tmp), from_dir)
        written = []
        for source in sorted(p for p in staged.rglob("*") if p.is_file()):
            with atomic_write.atomic_path(static / source.relative_to(staged)) as partial:
                shutil.copyfile(source, partial)
            written.append(str(source.relative_to(staged)))
    atomic_write.write_text(static / BUILT_FILE, version)
    return written


@cli.command("visdom_assets")
def main(argv: list[str] | None = None) -> int:
    """Install (or --check) visdom's assets; 1 when --check finds them missing, 2 for a bad --from."""
    parser = argparse.ArgumentParser(prog="python -m plugins.upstream.visdom_assets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="from_dir", type=Path, help="folder of the npm tarballs (air-gapped install)")
    parser.add_argument("--static", type=Path, help="visdom's static folder (default: the installed visdom's)")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 unless installed")
    parser.add_argument("--force", action="store_true", help="install even if already built")
    args = parser.parse_args(argv)
    static = args.static or visdom_static_dir()
    version = visdom_version()
    if args.check or (is_built(static, version) and not args.force):
        missing = missing_files(static)
        state = "installed" if is_built(static, version) else f"missing {len(missing)} files, e.g. {missing[:1]}"
        print(f"visdom assets in {static}: {state}")
        return 0 if is_built(static, version) else 1
    if args.from_dir is not None and not args.from_dir.is_dir():
        raise cli.UserError(f"--from {args.from_dir}: no such folder")
    try:
        written = install(static, args.from_dir, version=version)
    except AssetError as err:
        raise AssetError(f"{err} (nothing changed in {static})") from None
    print(f"installed {len(written)} visdom asset files into {static}; the server will not reach for a CDN")
    return 0


if __name__ == "__main__":
    sys.exit(main())
