"""PyTorch twins of the course's seed models, for the side-by-side benchmark (tests/bench.sh).

Written from the seeds' own code, with the fixes the lessons explain:
- MLP AE and MLP VAE: the Fashion-MNIST notebook is Keras; these are the same layers in PyTorch,
  with the loss on logits (sigmoid cross-entropy) as the C# models compute it.
- Residual-block AE (CelebA seed): the optimizer gets every parameter (the seed gave it only the
  decoder's), InstanceNorm1d on a [B, 4096] input is written as the per-row normalisation it performs.
- Conv VAE (Pokemon seed): as written, loss = MSE(sum) + 0.1 * KL(sum).
Each model exposes loss(x), encode(x), decode(z), the shape the C# IAutoencoder has.
"""
import torch
from torch import nn
import torch.nn.functional as F


class MlpAutoencoder(nn.Module):
    """784-256-128-20-128-256-784, ReLU, logits out; BCE with logits (mean)."""

    def __init__(self, input_size=784, hidden=(256, 128), latent=20):
        super().__init__()
        sizes = [input_size, *hidden]
        enc, dec = [], []
        for a, b in zip(sizes, sizes[1:]):
            enc += [nn.Linear(a, b), nn.ReLU()]
        enc.append(nn.Linear(sizes[-1], latent))
        back = [latent, *reversed(hidden)]
        for a, b in zip(back, back[1:]):
            dec += [nn.Linear(a, b), nn.ReLU()]
        dec.append(nn.Linear(back[-1], input_size))
        self.encoder, self.decoder = nn.Sequential(*enc), nn.Sequential(*dec)
        self.input_size = input_size

    def encode(self, x):
        return self.encoder(x.reshape(x.shape[0], self.input_size))

    def decode(self, z):
        return torch.sigmoid(self.decoder(z))

    def loss(self, x):
        target = x.reshape(x.shape[0], self.input_size)
        logits = self.decoder(self.encode(x))
        mse = F.mse_loss(torch.sigmoid(logits), target)  # the C# model reports it as a metric too
        return F.binary_cross_entropy_with_logits(logits, target), {"mse": mse.detach()}


class MlpVae(nn.Module):
    """784 -> 128 -> (mu, logvar) in R^10 -> 128 -> 784 logits; -ELBO per image (BCE summed over pixels)."""

    def __init__(self, input_size=784, hidden=128, latent=10):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden)
        self.fc_mu = nn.Linear(hidden, latent)
        self.fc_logvar = nn.Linear(hidden, latent)
        self.fc4 = nn.Linear(latent, hidden)
        self.fc5 = nn.Linear(hidden, input_size)

    def encode_distribution(self, x):
        h = F.relu(self.fc1(x.flatten(1)))
        return self.fc_mu(h), self.fc_logvar(h)

    def encode(self, x):
        return self.encode_distribution(x)[0]

    def decode(self, z):
        return torch.sigmoid(self.fc5(F.relu(self.fc4(z))))

    def loss(self, x):
        mu, logvar = self.encode_distribution(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.fc5(F.relu(self.fc4(z)))
        bce = F.binary_cross_entropy_with_logits(logits, x.flatten(1), reduction="none").sum(1).mean()
        kl = (0.5 * (mu.pow(2) + logvar.exp() - logvar - 1)).sum(1).mean()
        return bce + kl, {"bce": bce.detach(), "kl": kl.detach()}


class Block(nn.Module):
    """The CelebA seed's residual block: 4 convs at dim_in, a strided unpadded one, 4 at dim_out, plus a strided shortcut."""

    def __init__(self, dim_in, dim_out, is_encoder=True, convs=4):
        super().__init__()
        cnn = nn.Conv2d if is_encoder else nn.ConvTranspose2d

        def unit(a, b, stride=1, padding=1):
            return [cnn(a, b, 3, stride=stride, padding=padding), nn.BatchNorm2d(b), nn.LeakyReLU()]

        layers = []
        for _ in range(convs):
            layers += unit(dim_in, dim_in)
        layers += unit(dim_in, dim_out, stride=2, padding=0)
        for _ in range(convs):
            layers += unit(dim_out, dim_out)
        self.s = nn.Sequential(*layers)
        self.res = cnn(dim_in, dim_out, 3, stride=2, padding=0)

    def forward(self, x):
        return self.s(x) + self.res(x)


class RowNorm(nn.Module):
    """What InstanceNorm1d(4096) does to the seed's [B, 4096] input: each row to zero mean, unit variance."""

    def forward(self, x):
        mean = x.mean(1, keepdim=True)
        var = x.var(1, unbiased=False, keepdim=True)
        return (x - mean) / (var + 1e-5).sqrt()


class ResidualConvAutoencoder(nn.Module):
    """The CelebA seed's AE: 3x64x64 -> 128 -> 3x64x64, images in [0,1] outside, [-1,1] inside; MSE."""

    def __init__(self, latent=128, width=32, convs=4, size=64):
        super().__init__()
        ch = [3, width, 2 * width, 4 * width, 8 * width]
        side = size
        for _ in range(4):
            side = (side - 3) // 2 + 1
        self.encoder = nn.Sequential(
            *[Block(ch[i], ch[i + 1], True, convs) for i in range(4)],
            nn.Flatten(), nn.Linear(ch[4] * side * side, latent))
        self.decoder = nn.Sequential(
            nn.Linear(latent, ch[4] * 16), RowNorm(), nn.Unflatten(1, (ch[4], 4, 4)),
            *[Block(ch[4 - i], ch[3 - i], False, convs) for i in range(4)],
            nn.UpsamplingNearest2d(size=size), nn.Conv2d(3, 3, 1), nn.Tanh())

    def encode(self, x):
        return self.encoder(x * 2 - 1)

    def decode(self, z):
        return (self.decoder(z) + 1) / 2

    def loss(self, x):
        mse = F.mse_loss(self.decode(self.encode(x)), x)
        return mse, {"mse": mse.detach()}


class ConvVae(nn.Module):
    """The Pokemon seed's VAE: 3xSxS -> 4x(S/8)x(S/8) -> 3xSxS in [-1, 1]; MSE(sum) + 0.1 KL(sum)."""

    def __init__(self, in_channels=3, latent=4, kl_weight=0.1):
        super().__init__()
        self.kl_weight = kl_weight
        self.encoder = nn.Sequential(self._conv(in_channels, 64), self._conv(64, 128), self._conv(128, 256))
        self.fc_mu = nn.Conv2d(256, latent, 1)
        self.fc_var = nn.Conv2d(256, latent, 1)
        self.decoder_input = nn.ConvTranspose2d(latent, 256, 1)
        self.decoder = nn.Sequential(self._up(256, 128), self._up(128, 64), self._up(64, in_channels))

    @staticmethod
    def _conv(a, b):
        return nn.Sequential(nn.Conv2d(a, b, 3, stride=2, padding=1), nn.BatchNorm2d(b), nn.LeakyReLU(0.2))

    @staticmethod
    def _up(a, b):
        return nn.Sequential(nn.ConvTranspose2d(a, b, 3, stride=2, padding=1, output_padding=1),
                             nn.BatchNorm2d(b), nn.LeakyReLU(0.2))

    def encode_distribution(self, x):
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_var(h)

    def encode(self, x):
        return self.encode_distribution(x)[0]

    def decode(self, z):
        return torch.tanh(self.decoder(self.decoder_input(z)))

    def loss(self, x):
        mu, logvar = self.encode_distribution(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = self.decode(z)
        mse = F.mse_loss(recon, x, reduction="sum")
        kl_per_image = (0.5 * (mu.pow(2) + logvar.exp() - logvar - 1)).flatten(1).sum(1)
        kl = kl_per_image.sum()
        n = x.numel()
        return mse + self.kl_weight * kl, {"mse_px": (mse / n).detach(), "kl_px": (kl / n).detach(),
                                          "kl": kl_per_image.mean().detach()}
