"""PyTorch twins of the benchmark's discrete models (tests/AeLab.Bench/VqCases.cs), for tests/bench.sh.

Written from the library's C# code (lib/AeLab/Models/VqGan, Quantization, Attention, Layers), layer for layer and
in the same order, so the parameter counts match (twin.py prints them and the benchmark compares):
- VqGanModel: taming-style encoder of residual blocks (GroupNorm(8) -> SiLU -> 3x3 conv, twice, plus the input),
  4x4 stride-2 downsamplings, a plain vector quantiser (codebook and commitment terms, straight-through), a
  mirrored decoder with nearest upsampling. Loss L1 + codebook + 0.25 commitment; trained alone it is the VQ-VAE
  baseline.
- PatchDiscriminator and VqGanStep: stage 1 of VQ-GAN with the discriminator active from step 0, feature matching as
  the perceptual term, the hinge losses and the adaptive weight, both networks on Adam(2e-4, betas 0.5, 0.9).
- MaskGitPrior over 8x8 code maps with the library's TokenTransformer (pre-norm blocks, learned positions,
  bidirectional attention, dropout 0.1) and the masked cross-entropy.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F


# --- stage 1: the VQ-GAN autoencoder ---------------------------------------------------------------------------

class GroupNorm(nn.GroupNorm):
    """nn.GroupNorm that takes bfloat16 input under autocast as libtorch 2's mixed-dtype kernel does (bfloat16 in and
    out, float32 parameters); PyTorch 1.13's CPU group_norm refuses a bfloat16 input with float32 parameters."""

    def forward(self, x):
        if x.dtype == torch.bfloat16 and self.weight.dtype != torch.bfloat16:
            return F.group_norm(x, self.num_groups, self.weight.to(x.dtype), self.bias.to(x.dtype), self.eps)
        return super().forward(x)


class VqResBlock(nn.Module):
    """GroupNorm -> SiLU -> 3x3 conv, twice, plus the input (a 1x1 conv when the width changes)."""

    def __init__(self, cin, cout, groups=8):
        super().__init__()
        self.main = nn.Sequential(GroupNorm(groups, cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1),
                                  GroupNorm(groups, cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1))
        self.shortcut = None if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.main(x) + (x if self.shortcut is None else self.shortcut(x))


def perplexity_of(counts):
    p = counts / counts.sum().clamp_min(1)
    return (-(p * p.clamp_min(1e-30).log()).sum()).exp()


class VectorQuantizer(nn.Module):
    """Nearest of K codes per latent pixel; codebook and commitment MSE terms; straight-through gradient."""

    def __init__(self, size, dim):
        super().__init__()
        self.size, self.dim = size, dim
        self.codebook = nn.Parameter(torch.empty(size, dim).uniform_(-1.0 / size, 1.0 / size))

    def forward(self, z):
        # Under bfloat16 autocast the search runs in the codebook's float32, as the library's quantisers do.
        if torch.is_autocast_cpu_enabled() and z.dtype == torch.bfloat16:
            z = z.float()
        with torch.autocast("cpu", enabled=False):
            return self._forward(z)

    def _forward(self, z):
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        with torch.no_grad():
            d = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.t() + self.codebook.pow(2).sum(1).unsqueeze(0)
            indices = d.argmin(1)
        b, _, h, w = z.shape
        idx = indices.reshape(b, h, w)
        zq = self.codebook.index_select(0, idx.reshape(-1)).reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous()
        commitment = F.mse_loss(z, zq.detach())
        codebook_loss = F.mse_loss(zq, z.detach())
        quantized = z + (zq - z).detach()
        counts = torch.bincount(indices, minlength=self.size).to(z.dtype)
        return quantized, idx, commitment, codebook_loss, perplexity_of(counts).detach()


class VqGanModel(nn.Module):
    """Images in [-1, 1], `channels` wide at full size, doubled per downsampling up to 4x."""

    def __init__(self, codes=256, code_dim=32, channels=32, downsamples=2, in_channels=3, commitment_weight=0.25):
        super().__init__()
        self.in_channels, self.commitment_weight = in_channels, commitment_weight

        def width(level):
            return channels * min(1 << level, 4)

        self.quantizer = VectorQuantizer(codes, code_dim)
        enc = [nn.Conv2d(in_channels, channels, 3, padding=1)]
        for i in range(downsamples):
            enc += [VqResBlock(width(i), width(i)), nn.Conv2d(width(i), width(i + 1), 4, stride=2, padding=1)]
        top = width(downsamples)
        enc += [VqResBlock(top, top), GroupNorm(8, top), nn.SiLU(), nn.Conv2d(top, code_dim, 1)]
        self.encoder = nn.Sequential(*enc)
        dec = [nn.Conv2d(code_dim, top, 3, padding=1), VqResBlock(top, top)]
        for i in range(downsamples, 0, -1):
            dec += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(width(i), width(i - 1), 3, padding=1),
                    VqResBlock(width(i - 1), width(i - 1))]
        dec += [GroupNorm(8, channels), nn.SiLU()]
        self.decoder = nn.Sequential(*dec)
        self.decoder_out = nn.Conv2d(channels, in_channels, 3, padding=1)

    def quantize(self, x):
        return self.quantizer(self.encoder(x))

    def encode(self, x):
        return self.quantize(x)[0]

    def decode(self, z):
        return self.decoder_out(self.decoder(z))

    def reconstruct(self, x):
        q = self.quantize(x)
        return self.decode(q[0]), q

    def quantizer_loss(self, q):
        return 1.0 * q[3] + self.commitment_weight * q[2]

    def loss(self, x):
        recon, q = self.reconstruct(x)
        l1 = (recon - x).abs().mean()
        mse = (recon - x).pow(2).mean().detach()
        return l1 + self.quantizer_loss(q), {"l1": l1.detach(), "mse": mse, "perplexity": q[4]}


class PatchDiscriminator(nn.Module):
    """pix2pix's PatchGAN as taming uses it: 4x4 convs, BatchNorm, LeakyReLU(0.2), the last hidden one stride 1."""

    def __init__(self, in_channels=3, base=64, layers=3):
        super().__init__()
        blocks = [nn.Sequential(nn.Conv2d(in_channels, base, 4, stride=2, padding=1), nn.LeakyReLU(0.2))]
        mult = 1
        for n in range(1, layers + 1):
            prev, mult = mult, min(1 << n, 8)
            stride = 1 if n == layers else 2
            blocks.append(nn.Sequential(nn.Conv2d(base * prev, base * mult, 4, stride=stride, padding=1, bias=False),
                                        nn.BatchNorm2d(base * mult), nn.LeakyReLU(0.2)))
        blocks.append(nn.Conv2d(base * mult, 1, 4, stride=1, padding=1))
        self.blocks = nn.ModuleList(blocks)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    m.weight.normal_(0, 0.02)
                    if m.bias is not None:
                        m.bias.zero_()
                elif isinstance(m, nn.BatchNorm2d):
                    m.weight.normal_(1, 0.02)
                    m.bias.zero_()

    def features(self, x):
        feats, h = [], x
        for block in self.blocks[:-1]:
            h = block(h)
            feats.append(h)
        return self.blocks[-1](h), feats

    def forward(self, x):
        return self.features(x)[0]


def feature_matching(real, fake):
    total = torch.zeros(())
    for r, f in zip(real, fake):
        total = total + (f - r.detach()).abs().mean()
    return total / len(real)


def adaptive_weight(rec_loss, gan_loss, last_layer_weight, max_weight=1e4):
    g_rec = torch.autograd.grad(rec_loss, last_layer_weight, retain_graph=True)[0]
    g_gan = torch.autograd.grad(gan_loss, last_layer_weight, retain_graph=True)[0]
    return (g_rec.norm() / (g_gan.norm() + 1e-4)).clamp(0.0, max_weight).detach()


class VqGanStep(nn.Module):
    """One stage-1 step (the C# VqGanStep with the GAN active): generator update, then discriminator update."""

    def __init__(self, model, discriminator, lr=2e-4, perceptual_weight=1.0, discriminator_weight=0.8):
        super().__init__()
        self.model, self.discriminator = model, discriminator
        self.perceptual_weight, self.discriminator_weight = perceptual_weight, discriminator_weight
        self.g_opt = torch.optim.Adam(model.parameters(), lr, betas=(0.5, 0.9))
        self.d_opt = torch.optim.Adam(discriminator.parameters(), lr, betas=(0.5, 0.9))

    def _trainable(self, on):
        for p in self.discriminator.parameters():
            p.requires_grad_(on)

    def train_step(self, x):
        model, d = self.model, self.discriminator
        model.train()
        self.g_opt.zero_grad(set_to_none=True)
        recon, q = model.reconstruct(x)
        l1 = (recon - x).abs().mean()
        self._trainable(False)
        fake_logits, fake_features = d.features(recon)
        with torch.no_grad():
            real_features = d.features(x)[1]
        nll = l1 + self.perceptual_weight * feature_matching(real_features, fake_features)
        loss = nll + model.quantizer_loss(q)
        g = -fake_logits.mean()
        lam = adaptive_weight(nll, g, model.decoder_out.weight) * self.discriminator_weight
        loss = loss + lam * g
        loss.backward()
        self.g_opt.step()
        self._trainable(True)

        self.d_opt.zero_grad(set_to_none=True)
        real, fake = d(x), d(recon.detach())
        d_loss = 0.5 * (F.relu(1 - real).mean() + F.relu(1 + fake).mean())
        d_loss.backward()
        self.d_opt.step()
        mse = (recon - x).pow(2).mean().detach()  # a metric the C# step reports too
        return loss.detach(), {"d_loss": d_loss.detach(), "mse": mse, "perplexity": q[4]}

    def encode(self, x):
        return self.model.encode(x)

    def decode(self, z):
        return self.model.decode(z)


# --- stage 2: the MaskGIT prior ----------------------------------------------------------------------------------

class MultiHeadAttention(nn.Module):
    def __init__(self, dim, heads, dropout=0.0):
        super().__init__()
        self.dim, self.heads = dim, heads
        self.query, self.key, self.value, self.output = (nn.Linear(dim, dim) for _ in range(4))
        self.dropout = nn.Dropout(dropout)
        self.last_weights = None

    def forward(self, x):
        b, l, _ = x.shape

        def split(t):
            return t.view(b, l, self.heads, self.dim // self.heads).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        weights = (q @ k.transpose(-2, -1)).mul(1.0 / math.sqrt(q.shape[-1])).softmax(-1)
        self.last_weights = weights.detach().clone()  # the C# layer keeps them for the lessons' attention maps
        mixed = (weights @ v).transpose(1, 2).contiguous().view(b, l, self.dim)
        return self.dropout(self.output(mixed))


class TransformerBlock(nn.Module):
    def __init__(self, dim, heads, dropout=0.0, mlp_ratio=4):
        super().__init__()
        self.attention = MultiHeadAttention(dim, heads, dropout)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim), nn.Dropout(dropout))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TokenTransformer(nn.Module):
    def __init__(self, vocab, length, dim, heads, layers, dropout=0.0):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)
        self.learned_positions = nn.Parameter(torch.randn(length, dim) * 0.02)
        self.blocks = nn.ModuleList(TransformerBlock(dim, heads, dropout) for _ in range(layers))
        self.final_norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)
        self.dropout = nn.Dropout(dropout)
        with torch.no_grad():
            self.token_embedding.weight.normal_(0, 0.02)

    def forward(self, tokens):
        l = tokens.shape[1]
        x = self.dropout(self.token_embedding(tokens) + self.learned_positions[:l])
        for block in self.blocks:
            x = block(x)
        return self.head(self.final_norm(x))


class MaskGitPrior(nn.Module):
    def __init__(self, codebook_size=256, height=8, width=8, dim=128, heads=4, layers=4, dropout=0.1):
        super().__init__()
        self.network = TokenTransformer(codebook_size + 1, height * width, dim, heads, layers, dropout)
        self.codebook_size, self.length = codebook_size, height * width

    def forward(self, tokens):
        return self.network(tokens.reshape(tokens.shape[0], self.length))[..., :self.codebook_size]

    def mask(self, flat):
        b, l = flat.shape
        r = torch.rand(b, dtype=torch.float64)
        counts = (r * (math.pi / 2)).cos().mul(l).ceil().clamp(1, l).long()
        rank = torch.rand(b, l).argsort(1).argsort(1)
        mask = rank < counts.unsqueeze(1)
        return flat.masked_fill(mask, self.codebook_size), mask

    def loss(self, indices):
        target = indices.reshape(indices.shape[0], self.length)
        inp, mask = self.mask(target)
        logits = self(inp)
        ce = F.cross_entropy(logits.reshape(-1, self.codebook_size), target.reshape(-1), reduction="none").reshape(target.shape)
        m = mask.to(ce.dtype)
        loss = (ce * m).sum() / m.sum()
        correct = ((logits.argmax(2) == target).to(ce.dtype) * m).sum() / m.sum()
        return loss, {"ce": loss.detach(), "accuracy": correct.detach()}

    def infer(self, tokens):
        return self(tokens)
