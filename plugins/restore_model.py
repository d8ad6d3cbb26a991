"""Model `restore`: upstream's pix2pix, plus live restoration metrics and a residual option.

Use it with `--model restore` once `python -m plugins.link` has linked this
file into upstream's models/ folder. Everything pix2pix has (defaults,
flags, networks, checkpoints) is unchanged, so it is a drop-in; it adds:
- live metrics: PSNR and cosine similarity of fake_B and of real_A (the
  pixelated input, the baseline to beat) against real_B on the current
  training batch, reported with the losses (console, loss_log.txt, upstream's
  loss plot) and, when visdom is on, in their own window;
- `--residual`: the generator's output is added to its input and clamped, so
  the network learns a correction of the pixelated image (train and test).
"""
import os
import sys

import numpy as np

from models.pix2pix_model import Pix2PixModel

try:
    from plugins import live_metrics
except ImportError:  # upstream run without `pip install -e .`: import from beside the real file
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    from plugins import live_metrics


class RestoreModel(Pix2PixModel):
    """pix2pix for restoring pixelated images."""

    @staticmethod
    def modify_commandline_options(parser, is_train=True):
        """pix2pix's options, plus --residual."""
        parser = Pix2PixModel.modify_commandline_options(parser, is_train)
        parser.add_argument('--residual', action='store_true',
                            help='the generator learns a correction: output = clamp(input + G(input)) (use at test time too)')
        return parser

    def __init__(self, opt):
        """Set up pix2pix, then the live metrics (and their visdom window when display_id > 0)."""
        Pix2PixModel.__init__(self, opt)
        self.images_seen = 0
        self.metric_plot = {'X': [], 'Y': []}
        self.vis = None
        if self.isTrain and getattr(opt, 'display_id', 0) > 0:
            import visdom
            self.vis = visdom.Visdom(server=opt.display_server, port=opt.display_port, env=opt.display_env,
                                     raise_exceptions=False)

    def forward(self):
        """G(A), or clamp(A + G(A)) with --residual."""
        out = self.netG(self.real_A)
        self.fake_B = live_metrics.residual_output(self.real_A, out) if self.opt.residual else out

    def optimize_parameters(self):
        """One pix2pix step; counts the images seen for the metrics plot."""
        Pix2PixModel.optimize_parameters(self)
        self.images_seen += self.real_A.size(0)

    def get_current_losses(self):
        """pix2pix's losses plus the live metrics of the current batch; plots the metrics."""
        losses = Pix2PixModel.get_current_losses(self)
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
