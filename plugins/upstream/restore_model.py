"""Model `restore`: pix2pix for restoring pixelated images, with the levers that make it beat bicubic.

Use it with `--model restore` (plugins are linked into upstream's models/
folder by `python -m plugins.link`; run upstream with the Python where this
project is installed, as the link imports the package `plugins`). With no
extra flag it is pix2pix: same defaults, losses, networks and checkpoint
files. It adds:
- live metrics: PSNR and cosine of fake_B and of real_A (the pixelated
  input) against real_B on each training batch, with the losses (console,
  loss_log.txt, upstream's plots) and, when visdom is on, in their own window;
- `--residual`: fake_B = base + G(A), clamped; `--base input` (A itself) or
  `--base bicubic` (the PIL-exact bicubic upscale of A's low-resolution image,
  evaluate's bicubic baseline, so G learns what bicubic misses);
- `--lambda_GAN W`: weight of the adversarial loss; 0 trains a pure L1
  regression with no discriminator at all (no netD, no D step, no D files);
- `--netG srnet_<N>blocks` or `srlite_<N>blocks`: generators sized for restoration
  (plugins.restore.generators);
- `--bf16`: G trains under bfloat16 autocast, about twice as fast on a CPU
  with AVX512-BF16 (validation and test stay float32);
- `--val_dataroot DIR`: validation on other photos after every epoch into
  val_log.csv beside the checkpoints (under --pixel_block on mosaics made
  as the training samples are), and `--save_best` keeps best_net_*.pth
  (so `test.py --epoch best` loads the best epoch). Under DDP only rank 0
  validates and writes, once per epoch (plugins.upstream.epoch_end says how
  the epoch's end is found on both upstreams).
Works with the pinned upstream and the newest one (DDP, no --gpu_ids).
"""
import os
from pathlib import Path

import numpy as np
import torch

from data.image_folder import make_dataset
from models import networks
from models.base_model import BaseModel
from models.pix2pix_model import Pix2PixModel

from plugins.metrics import live_metrics
from plugins.data import mosaic_samples
from plugins.data import pixelation
from plugins.data import scaling
from plugins.restore import generators as restoration
from plugins.evaluation import scores
from plugins.evaluation import validation
from plugins.upstream import epoch_end


class RestoreModel(BaseModel):
    """pix2pix for restoring pixelated images: residual bases, an optional GAN, own generators, validation."""

    @staticmethod
    def modify_commandline_options(parser, is_train=True):
        """pix2pix's options and defaults, plus the restoration options."""
        parser = Pix2PixModel.modify_commandline_options(parser, is_train)
        parser.add_argument('--residual', action='store_true',
                            help='the generator learns a correction: output = clamp(base + G(input)) (use at test time too)')
        parser.add_argument('--base', type=str, default='input', choices=list(restoration.BASES),
                            help='base of --residual: the pixelated input itself, or the bicubic upscale of its '
                                 'low-resolution image (what evaluate scores as the bicubic baseline)')
        if is_train:
            parser.add_argument('--lambda_GAN', type=float, default=1.0,
                                help='weight for the GAN loss; 0 trains with L1 alone and no discriminator')
            parser.add_argument('--val_dataroot', type=str, default='',
                                help='folder of photos (from another source than the training photos) scored '
                                     'after every epoch into val_log.csv beside the checkpoints')
            parser.add_argument('--val_size', type=int, default=64, help='number of validation crops')
            parser.add_argument('--save_best', action='store_true',
                                help='keep best_net_*.pth of the epoch with the highest validation PSNR '
                                     '(test with --epoch best)')
            parser.add_argument('--bf16', action='store_true',
                                help='train G in bfloat16 autocast (weights, losses and the base stay float32): '
                                     'about twice the steps a minute on CPUs with AVX512-BF16 and on recent GPUs; '
                                     'validation and testing stay float32')
        return parser

    def __init__(self, opt):
        """Build G (and D when the GAN loss is on), the losses, optimizers and the validation set."""
        BaseModel.__init__(self, opt)
        try:
            restoration.check_options(opt)
        except ValueError as err:
            raise SystemExit(f'error: {err}')
        self.use_gan = self.isTrain and opt.lambda_GAN > 0
        self.loss_names = ['G_GAN', 'G_L1', 'D_real', 'D_fake'] if self.use_gan else ['G_L1']
        self.visual_names = ['real_A', 'fake_B', 'real_B']
        self.model_names = ['G', 'D'] if self.use_gan else ['G']
        gpu_ids = getattr(self, 'gpu_ids', [])
        self.netG = restoration.define_generator(opt, networks, gpu_ids)
        if self.use_gan:
            self.netD = restoration.upstream_call(networks.define_D, opt.input_nc + opt.output_nc, opt.ndf,
                                                  opt.netD, opt.n_layers_D, opt.norm, opt.init_type, opt.init_gain,
                                                  gpu_ids=gpu_ids)
        if self.isTrain:
            self.criterionL1 = torch.nn.L1Loss()
            self.optimizer_G = torch.optim.Adam(self.netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
            self.optimizers.append(self.optimizer_G)
            if self.use_gan:
                self.criterionGAN = networks.GANLoss(opt.gan_mode).to(self.device)
                self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
                self.optimizers.append(self.optimizer_D)
        self.images_seen = 0
        self.metric_plot = {'X': [], 'Y': []}
        self.val_plot = {'X': [], 'Y': []}
        self.vis = None
        if self.isTrain and getattr(opt, 'display_id', 0) > 0:
            import visdom
            self.vis = visdom.Visdom(server=opt.display_server, port=opt.display_port, env=opt.display_env,
                                     raise_exceptions=False)
        self.val_pairs = self._val_pairs(opt) if self.isTrain and opt.val_dataroot else None
        self.epoch_ends = (epoch_end.EpochEnds(getattr(opt, 'epoch_count', 1),
                                               min(opt.pixel_epoch_size, opt.max_dataset_size), opt.batch_size)
                           if self.val_pairs is not None else None)

    @staticmethod
    def _val_pairs(opt):
        """The fixed validation crops of --val_dataroot, pixelated as in the test phase (under --pixel_block,
        mosaics made as the training samples are)."""
        photos = sorted(make_dataset(opt.val_dataroot)) if os.path.isdir(opt.val_dataroot) else []
        if not photos:
            raise SystemExit(f'error: --val_dataroot {opt.val_dataroot}: no images there')
        if not hasattr(opt, 'pixel_epoch_size'):
            raise SystemExit('error: --val_dataroot needs --dataset_mode pixelated (it tells where epochs end)')
        sizes = pixelation.parse_pixel_size(opt.pixel_size)
        if opt.pixel_block:  # the dataset has checked these options
            spec = mosaic_samples.from_options(opt, sizes, pixelation.parse_filters(opt.pixel_down))
            print(f'validation: {opt.val_size} mosaics of {len(photos)} photos in {opt.val_dataroot}')
            return validation.mosaic_pairs([Path(p) for p in photos], opt.val_size, spec, opt.pixel_seed)
        print(f'validation: {opt.val_size} crops of {len(photos)} photos in {opt.val_dataroot}')
        return validation.val_pairs([Path(p) for p in photos], opt.val_size, opt.crop_size, sizes, opt.pixel_seed,
                                    opt.pixel_down, opt.pixel_up)

    def set_input(self, input):
        """Unpack A, B, paths and each sample's pixel grid (from the dataset, or recovered from A)."""
        AtoB = self.opt.direction == 'AtoB'
        self.real_A = input['A' if AtoB else 'B'].to(self.device)
        self.real_B = input['B' if AtoB else 'A'].to(self.device)
        self.image_paths = input['A_paths' if AtoB else 'B_paths']
        self.grids = self._grids(input.get('pixel_size'))

    def _grids(self, sizes):
        """(rows, cols) of each sample's low-resolution image; only the bicubic base needs them."""
        if not (self.opt.residual and self.opt.base == 'bicubic'):
            return None
        if sizes is None:  # e.g. --dataset_mode aligned: read the grid off the pixelated input
            sizes = [pixelation.recover_pixel_size(a.permute(1, 2, 0).numpy().astype(np.uint8))
                     for a in scaling.decode(self.real_A).cpu()]
            if None in sizes:
                raise SystemExit(f'error: --base bicubic: no pixel grid found in {self.image_paths}')
        return [(int(s), int(s)) for s in sizes]

    def forward(self):
        """fake_B = G(A), or clamp(base + G(A)) with --residual."""
        self.fake_B = restoration.restore(self.netG, self.real_A, self.opt, self.grids,
                                          bf16=self.isTrain and self.opt.bf16)

    def backward_D(self):
        """Conditional GAN loss of D on (A, fake_B) and (A, real_B)."""
        pred_fake = self.netD(torch.cat((self.real_A, self.fake_B), 1).detach())
        self.loss_D_fake = self.criterionGAN(pred_fake, False)
        pred_real = self.netD(torch.cat((self.real_A, self.real_B), 1))
        self.loss_D_real = self.criterionGAN(pred_real, True)
        self.loss_D = (self.loss_D_fake + self.loss_D_real) * 0.5
        self.loss_D.backward()

    def backward_G(self):
        """lambda_L1 * L1, plus lambda_GAN * the GAN loss when the discriminator is on."""
        self.loss_G_L1 = self.criterionL1(self.fake_B, self.real_B) * self.opt.lambda_L1
        self.loss_G = self.loss_G_L1
        if self.use_gan:
            self.loss_G_GAN = self.criterionGAN(self.netD(torch.cat((self.real_A, self.fake_B), 1)), True)
            self.loss_G = self.loss_G + self.opt.lambda_GAN * self.loss_G_GAN
        self.loss_G.backward()

    def optimize_parameters(self):
        """One step: D (only with the GAN loss), then G; validates when an epoch's last batch is done."""
        self.forward()
        if self.use_gan:
            self.set_requires_grad(self.netD, True)
            self.optimizer_D.zero_grad()
            self.backward_D()
            self.optimizer_D.step()
            self.set_requires_grad(self.netD, False)
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()
        self.images_seen += self.real_A.size(0)
        if self.epoch_ends is not None:
            self._validate_ended(self.epoch_ends.after_batch())

    def update_learning_rate(self):
        """Upstream's lr step; first, validate the epoch whose batches came before it (epoch_end)."""
        if self.epoch_ends is not None:
            self._validate_ended(self.epoch_ends.at_lr_update())
        BaseModel.update_learning_rate(self)

    def _validate_ended(self, epoch):
        """Validate `epoch` when it just ended on this process (the main one)."""
        if epoch is not None:
            self.validate(epoch)

    def validate(self, epoch):
        """Score G on the validation crops; log, print, plot, and keep the best epoch's networks."""
        net = getattr(self.netG, 'module', self.netG)  # DDP's wrapper would wait for the other ranks
        was_training = net.training
        net.eval()
        fakes, inputs = [], []
        with torch.no_grad():
            for pair in self.val_pairs:
                real_a = scaling.as_dataset_input(pair.real_a)[None]
                real_a = real_a.to(self.device)
                fake = restoration.restore(net, real_a, self.opt, [(pair.pixel_size, pair.pixel_size)])
                fakes.append(scaling.to_uint8(fake[0].permute(1, 2, 0)))
                inputs.append(scaling.to_uint8(real_a[0].permute(1, 2, 0)))
        net.train(was_training)
        means = validation.score(fakes, inputs, self.val_pairs)
        row = validation.append_epoch(Path(self.save_dir) / 'val_log.csv', epoch, means)
        print(f'validation epoch {epoch}: '
              + scores.psnr_line(means['psnr_model'], means['psnr_input'], means['psnr_bicubic'])
              + f' (gain {means["gain_bicubic"]:+.2f})' + (' best' if row['best'] else ''))
        if row['best'] and self.opt.save_best:
            self.save_networks('best')
        if self.vis is not None:
            self.val_plot['X'].append(epoch)
            self.val_plot['Y'].append([means['psnr_model'], means['psnr_input'], means['psnr_bicubic']])
            x = np.array(self.val_plot['X'], dtype=float)
            self.vis.line(X=np.stack([x, x, x], 1), Y=np.array(self.val_plot['Y']),
                          opts={'title': self.opt.name + ' validation PSNR',
                                'legend': ['model', 'pixelated input', 'bicubic'],
                                'xlabel': 'epoch', 'ylabel': 'PSNR (dB)'}, win='restore_validation')

    def get_current_losses(self):
        """The losses plus the live metrics of the current batch; plots the metrics."""
        losses = BaseModel.get_current_losses(self)
        metrics = live_metrics.batch_metrics(self.fake_B, self.real_A, self.real_B)
        losses.update(metrics)
        if self.vis is not None:
            self.plot_metrics(metrics)
        return losses

    def plot_metrics(self, metrics):
        """PSNR of output and input in their own visdom window, against images seen."""
        self.metric_plot['X'].append(self.images_seen)
        self.metric_plot['Y'].append([metrics['psnr_fake'], metrics['psnr_input']])
        x = np.array(self.metric_plot['X'], dtype=float)
        self.vis.line(X=np.stack([x, x], 1), Y=np.array(self.metric_plot['Y']),
                      opts={'title': self.opt.name + ' PSNR: output vs pixelated input',
                            'legend': ['output (fake_B)', 'pixelated input (real_A)'],
                            'xlabel': 'training images seen', 'ylabel': 'PSNR (dB)'},
                      win='restore_metrics')
