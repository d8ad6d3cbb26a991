"""Dataset mode `pixelated`: pairs (pixelated photo, photo) made on the fly.

Use it with `--dataset_mode pixelated` once `python -m plugins.link` has
linked this file into upstream's data/ folder (run upstream with the Python
where this project is installed: the link imports the package `plugins`).
It reads every image under
dataroot/<phase>: plain photos are the target, and upstream's aligned A|B
images give their target half, so the study's own folders work too.

Pipeline per sample: upstream's geometry (resize, crop, flip) on the target,
then pixelation of that final crop (so the pixel grid lines up with the
output), then upstream's tensor conversion for both images. Training draws
a fresh pixel size for every sample; other phases use the size fixed by
(--pixel_seed, image index), so every model sees the same test inputs.

Mosaics made elsewhere (--pixel_block, off by default): a patch of the photo
is pixelated the way editors do it (any real block size, the grid starting
anywhere with --pixel_offset, JPEG with --pixel_jpeg), then read the way
`python -m plugins.restore` reads such a picture: block means on the known
grid, blown up to the model's block size (crop_size / pixel_size). The
target is the photo under those blocks at the same scale. So the model
trains on exactly what the restore command will hand it
(plugins.data.mosaic_samples; the restore model validates on such samples).
"""
import os
import random

import numpy as np
import torch
import torchvision.transforms as transforms
from PIL import Image

from data.base_dataset import BaseDataset, get_params, get_transform
from data.image_folder import make_dataset

from plugins.data import image_io
from plugins.data import mosaic_samples
from plugins.data import photo_cache
from plugins.data import pixelation


class PixelatedDataset(BaseDataset):
    """Pixelated input A, real photo B, from a folder of photos or aligned A|B images."""

    @staticmethod
    def modify_commandline_options(parser, is_train):
        """Add the pixelation options."""
        parser.add_argument('--pixel_size', type=str, default='64',
                            help='pixel grid of the input: N, an inclusive range MIN:MAX (uniform), or a list N,M,...')
        parser.add_argument('--pixel_down', type=str, default=pixelation.DEFAULT_DOWN,
                            help='filter that shrinks the photo to the pixel grid: one of '
                                 f'{", ".join(pixelation.FILTERS)}, or a list box,bilinear,... drawn per sample '
                                 '(per image outside training, as --pixel_size)')
        parser.add_argument('--pixel_up', type=str, default=pixelation.DEFAULT_UP, choices=list(pixelation.FILTERS),
                            help='filter that blows the pixel grid back to the photo size')
        parser.add_argument('--pixel_seed', type=int, default=0,
                            help='seed of the per-image pixel size outside the train phase')
        parser.add_argument('--pixel_source', type=str, default='auto', choices=['auto', 'photo', 'aligned'],
                            help='photo: each image is the target; aligned: A|B images, the target half is used; '
                                 'auto: aligned when width == 2 x height')
        parser.add_argument('--pixel_skip_bad', action='store_true',
                            help='skip (and list) unreadable images, and those too small for a sample, instead of stopping')
        parser.add_argument('--pixel_repeat', type=int, default=1,
                            help='training samples per image per epoch; with --preprocess crop on whole photos each '
                                 'one is a fresh random crop')
        parser.add_argument('--pixel_rotate', action='store_true',
                            help='in training, also rotate by a random multiple of 90 degrees: with the flip, the '
                                 'eight rotations and reflections of a square')
        parser.add_argument('--pixel_block', type=str, default='',
                            help='mosaics made elsewhere: block size in photo pixels, X or MIN:MAX (real, drawn per '
                                 'sample), made as editors make them (--pixel_down, nearest up) and read back as the '
                                 'restore command reads them, at crop_size / pixel_size px per block; off when empty')
        parser.add_argument('--pixel_offset', action='store_true',
                            help='with --pixel_block: the grid starts anywhere, not at the corner of the picture '
                                 '(nor of JPEG\'s 8x8 blocks)')
        parser.add_argument('--pixel_jpeg', type=str, default='',
                            help='with --pixel_block: save the mosaic as JPEG at quality Q or MIN:MAX (1..100, drawn '
                                 'per sample); off when empty')
        parser.add_argument('--pixel_train_seed', type=int, default=-1,
                            help='seed Python\'s and torch\'s random generators when the dataset is built (upstream '
                                 'seeds nothing): the same flags then draw the same samples and, as upstream builds '
                                 'the model after the dataset, the same initial weights; -1 leaves them unseeded')
        parser.add_argument('--pixel_jpeg_share', type=float, default=1.0,
                            help='with --pixel_jpeg: the share of samples saved as JPEG (0..1), the rest lossless')
        parser.add_argument('--pixel_cache_mb', type=int, default=0,
                            help='megabytes of decoded photos each loader process keeps in memory, so a photo is '
                                 'decoded once, not once per sample (0: decode every time)')
        return parser

    def __init__(self, opt):
        """Find the images and check the pixelation options; errors name the flag or file."""
        BaseDataset.__init__(self, opt)
        if opt.pixel_train_seed >= 0:
            random.seed(opt.pixel_train_seed)
            torch.manual_seed(opt.pixel_train_seed)
        self.dir = os.path.join(opt.dataroot, opt.phase)
        if not os.path.isdir(self.dir):
            raise SystemExit(f'error: --dataroot {opt.dataroot}: no folder {self.dir}')
        try:
            self.sizes = pixelation.parse_pixel_size(opt.pixel_size)
            pixelation.check_pixel_sizes(self.sizes, opt.crop_size, opt.pixel_size)
        except ValueError as err:
            raise SystemExit(f'error: --pixel_size: {err} (--crop_size {opt.crop_size})')
        try:
            self.downs = pixelation.parse_filters(opt.pixel_down)
        except ValueError as err:
            raise SystemExit(f'error: --pixel_down: {err}')
        self.spec = None  # mosaic_samples.MosaicSpec under --pixel_block
        self.patch = opt.crop_size
        if opt.pixel_block:
            self._check_mosaic_options(opt)
        paths = sorted(make_dataset(self.dir, opt.max_dataset_size))
        self.paths, self.bad = self._readable(paths, opt.pixel_skip_bad)
        if not self.paths:
            raise SystemExit(f'error: no images under {self.dir}' + (f' ({self.skipped_counts()})' if self.bad else ''))
        if opt.pixel_repeat < 1:
            raise SystemExit(f'error: --pixel_repeat {opt.pixel_repeat}: must be at least 1')
        if opt.pixel_cache_mb < 0:
            raise SystemExit(f'error: --pixel_cache_mb {opt.pixel_cache_mb}: must be >= 0')
        self.cache = photo_cache.PhotoCache(opt.pixel_cache_mb * 2 ** 20)
        # pix2pix feeds input['B'] to the generator when the direction is BtoA
        self.target_key, self.input_key = ('B', 'A') if opt.direction == 'AtoB' else ('A', 'B')
        opt.pixel_epoch_size = len(self)  # the restore model validates after each epoch's last batch

    def _check_mosaic_options(self, opt):
        """Parse --pixel_block/--pixel_jpeg(_share) and fix the largest photo patch a sample needs."""
        try:
            self.spec = mosaic_samples.from_options(opt, self.sizes, self.downs)
        except ValueError as err:
            raise SystemExit(f'error: {err}')
        self.patch = self.spec.patch_side(self.spec.blocks[0])

    def _readable(self, paths, skip_bad):
        """Split paths into usable images and (path, reason) for the rest: unreadable headers, A|B
        images that do not split, targets smaller than --crop_size under --preprocess crop."""
        good, bad = [], []
        for path in paths:
            try:
                with Image.open(path) as img:
                    img.verify()
                    w, h = self.target_size(img.size)
                problem = None
                if self.spec and min(w, h) < self.patch:
                    problem = ('image smaller than a --pixel_block patch', f'its target is {w}x{h}, a sample at '
                               f'{self.spec.blocks[0]:g} px blocks needs {self.patch}x{self.patch}')
                elif self.opt.preprocess == 'crop' and min(w, h) < self.opt.crop_size:
                    problem = ('image smaller than --crop_size', f'its target is {w}x{h}, '
                               f'--crop_size {self.opt.crop_size} with --preprocess crop')
            except ValueError as err:
                problem = ('image that does not split', str(err))
            except Exception as err:  # PIL raises many kinds for broken files
                problem = ('unreadable image', str(err))
            if problem is None:
                good.append(path)
            elif not skip_bad:
                raise SystemExit(f'error: {path}: {problem[0]} ({problem[1]}); --pixel_skip_bad skips such files')
            else:
                bad.append((path, problem))
        for path, (what, detail) in bad:
            print(f'skipped {what} {path}: {detail}')
        return good, [(path, f'{what}: {detail}') for path, (what, detail) in bad]

    def skipped_counts(self):
        """'2 unreadable image, 1 image smaller than --crop_size': the skipped files by why (not all are broken)."""
        kinds = {}
        for _, reason in self.bad:
            what = reason.split(':')[0]
            kinds[what] = kinds.get(what, 0) + 1
        return ', '.join(f'{n} {what}' for what, n in kinds.items())

    def target_box(self, size):
        """The target's (left, top, right, bottom) in an image of `size`: the whole image, or the
        target half of an A|B image."""
        w, h = size
        aligned = self.opt.pixel_source == 'aligned' or (self.opt.pixel_source == 'auto' and w == 2 * h)
        if not aligned:
            return 0, 0, w, h
        if w != 2 * h:
            raise ValueError(f'--pixel_source aligned needs A|B images of two square halves, got {w}x{h}')
        return (h, 0, w, h) if self.opt.direction == 'AtoB' else (0, 0, h, h)

    def target_size(self, size):
        """(width, height) of the target in an image of `size`."""
        left, top, right, bottom = self.target_box(size)
        return right - left, bottom - top

    def load_target(self, path):
        """The target photo of one file (decoded fully, 16-bit and float scaled to 8 bits): the whole
        image, or the target half of an A|B image."""
        try:
            img = image_io.load_rgb(path)
        except Exception as err:
            raise OSError(f'{path}: unreadable image ({err})') from None
        try:
            box = self.target_box(img.size)
        except ValueError as err:
            raise ValueError(f'{path}: {err}') from None
        return img if box == (0, 0) + img.size else img.crop(box)

    def load_servable(self, index):
        """(path, target) of image `index`; under --pixel_skip_bad a file that fails to decode
        (a truncated JPEG passes the start-up check) joins self.bad, is listed once (per loader
        process) and the next good one is served."""
        for step in range(len(self.paths)):
            path = self.paths[(index + step) % len(self.paths)]
            if any(path == skipped for skipped, _ in self.bad):
                continue
            try:
                return path, self.cache.get(path, self.load_target)
            except OSError as err:
                if not self.opt.pixel_skip_bad:
                    raise
                self.bad.append((path, f'unreadable image: {err}'))
                print(f'skipped {err}; serving another image', flush=True)
        raise OSError(f'no image under {self.dir} could be decoded')

    @property
    def drawing(self):
        """True in the train phase, where every sample draws afresh."""
        return self.opt.isTrain and self.opt.phase == 'train'

    def pixel_size(self, index):
        """A fresh size in the train phase; the (seed, index) size otherwise."""
        if self.drawing:
            return pixelation.sample_size(self.sizes, random)
        return pixelation.fixed_size(self.sizes, self.opt.pixel_seed, index)

    def down_filter(self, index):
        """A fresh filter in the train phase (no draw for a single one); the (seed, index) one otherwise."""
        if self.drawing and len(self.downs) > 1:
            return random.choice(self.downs)
        return pixelation.fixed_filter(self.downs, self.opt.pixel_seed, index)

    def geometry_params(self, index, size):
        """Upstream's crop and flip draw; outside training seeded by (seed, index), so a
        random test crop (load_size > crop_size) is the same for every model."""
        if self.drawing:
            return get_params(self.opt, size)
        state = random.getstate()
        random.seed(f'{self.opt.pixel_seed}:{index}')
        try:
            return get_params(self.opt, size)
        finally:
            random.setstate(state)

    @staticmethod
    def to_tensor(img, nc):
        """Upstream's conversion: optional grayscale, ToTensor, normalise to [-1, 1]."""
        steps = [transforms.Grayscale(1)] if nc == 1 else []
        steps += [transforms.ToTensor(), transforms.Normalize((0.5,) * nc, (0.5,) * nc)]
        return transforms.Compose(steps)(img)

    def mosaic_sample(self, target, index):
        """(input, target) float arrays (0..255, crop_size square) of a mosaic made elsewhere, read back
        as the restore command reads it (see the module's docstring), turned and flipped in training."""
        # training draws from the global stream, which --pixel_train_seed seeds (and torch seeds in each
        # loader process from the seeded torch generator), so the same flags draw the same samples
        rng = (random.Random(random.getrandbits(64)) if self.drawing
               else random.Random(f'{self.opt.pixel_seed}:{index}:mosaic'))
        model_in, truth = self.spec.sample(target, rng)
        if self.drawing:
            turns = rng.randrange(4) if self.opt.pixel_rotate else 0
            flip = not self.opt.no_flip and rng.random() < 0.5
            model_in, truth = (np.rot90(a[:, ::-1] if flip else a, turns) for a in (model_in, truth))
        return model_in, truth

    @staticmethod
    def array_tensor(arr, nc):
        """An HxWx3 float array (0..255) as upstream's tensor in [-1, 1] (grey by upstream's weights)."""
        if nc == 1:
            arr = arr @ np.array([0.299, 0.587, 0.114], np.float32)[:, None]
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1), dtype=np.float32) / 127.5 - 1)

    def __getitem__(self, index):
        """Return A, B, A_paths, B_paths like upstream's aligned mode, and the sample's pixel_size."""
        path, target = self.load_servable(index % len(self.paths))
        if self.spec:
            model_in, truth = self.mosaic_sample(target, index)
            return {self.input_key: self.array_tensor(model_in, self.opt.input_nc),
                    self.target_key: self.array_tensor(truth, self.opt.output_nc),
                    'A_paths': path, 'B_paths': path, 'pixel_size': self.sizes[0]}
        geometry = get_transform(self.opt, self.geometry_params(index, target.size), convert=False)
        target = geometry(target)
        if self.opt.pixel_rotate and self.drawing and target.width == target.height:
            target = pixelation.rotate_quarter(target, random.randrange(4))
        size = self.pixel_size(index)
        degraded = pixelation.pixelate(target, size, self.down_filter(index), self.opt.pixel_up)
        return {self.input_key: self.to_tensor(degraded, self.opt.input_nc),
                self.target_key: self.to_tensor(target, self.opt.output_nc),
                'A_paths': path, 'B_paths': path, 'pixel_size': size}

    def __len__(self):
        """Return the number of samples per epoch: images x --pixel_repeat in training, else the images."""
        return len(self.paths) * (self.opt.pixel_repeat if self.drawing else 1)
