"""The course material's three PyTorch models, built in PyTorch, for the weight round trips of
tests/AeLab.Tests/Interop/PyTorchRoundTripTests.cs. Run with Debian's python3-torch (/usr/bin/python3).

Written afresh from the seeds' code, with the fixes the lessons make:
- conv-vae (the Pokemon tutorial's VAE, 3xSxS -> 4xS/8xS/8): as written; names as in the tutorial
  (encoder.0.0, fc_mu, fc_var, decoder_input, decoder.2.1, ...).
- residual-ae (the CelebA residual autoencoder): the seed's Block, encoder and decoder Sequentials, held by
  a plain module with .encoder and .decoder (the seed wraps them in a transformers PreTrainedModel, which
  names them the same); InstanceNorm1d(4096) on a [B, 4096] input as the seed writes it.
- mlp-vae (the "VAE series" notes' VAE): the typos fixed (hidden_dim, encode, super().__init__()), the
  sampler draws N(0, 1) noise and returns z, forward goes through generation_layer, the decoder's first
  layer takes latent_dim inputs (the notes give it latent_num), and std_layer predicts log sigma^2
  (the lesson 06 fix; the layer keeps the notes' name, so its checkpoints keep their names).

Commands (every file is a state_dict: .pth by torch.save, .safetensors written by hand, because PyTorch
1.13 has no safetensors package):
  export MODEL DIR      seeded model with random weights and BatchNorm statistics; writes DIR/MODEL.pth,
                        DIR/MODEL.safetensors, DIR/MODEL-io.safetensors (an input and the model's outputs on
                        it, in eval mode) and DIR/MODEL-whole.pth (the whole module pickled, not a state_dict)
  check MODEL WEIGHTS IO   loads WEIGHTS (.pth or .safetensors) into the model with strict names and shapes,
                        runs IO's input and prints the largest absolute difference from IO's outputs per output
  read FILE...          prints, per file, every tensor's name, shape, dtype and sum (.pth or .safetensors state_dicts)
Output: one JSON line on stdout.
"""
import json
import os
import struct
import sys
import warnings

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from models import ConvVae as BenchConvVae  # noqa: E402  (tests/bench/models.py)

torch.set_num_threads(1)
warnings.filterwarnings("ignore")  # InstanceNorm1d(4096) on [B, 4096] warns that num_features is unused


# --- seed 000: the Pokemon tutorial's convolutional VAE ------------------------------------------------
class ConvVae(BenchConvVae):
    """The benchmark's twin (tests/bench/models.py) is this network with the tutorial's names; only the
    constructor's argument names and the outputs the round trips compare are added here."""

    def __init__(self, in_channels=3, latent_dim=4):
        super().__init__(in_channels=in_channels, latent=latent_dim)

    def outputs(self, x):
        mu, logvar = self.encode_distribution(x)
        return {"mu": mu, "logvar": logvar, "reconstruction": self.decode(mu)}


# --- seed 001: the CelebA residual autoencoder ------------------------------------------------------
class Block(nn.Module):
    def __init__(self, dim_in, dim_out, is_encoder=True):
        super().__init__()
        conv = nn.Conv2d if is_encoder else nn.ConvTranspose2d

        def unit(cin, cout, stride=1, padding=1):
            return (conv(cin, cout, kernel_size=3, stride=stride, padding=padding), nn.BatchNorm2d(cout), nn.LeakyReLU())

        self.s = nn.Sequential(*unit(dim_in, dim_in), *unit(dim_in, dim_in), *unit(dim_in, dim_in), *unit(dim_in, dim_in),
                               *unit(dim_in, dim_out, stride=2, padding=0),
                               *unit(dim_out, dim_out), *unit(dim_out, dim_out), *unit(dim_out, dim_out), *unit(dim_out, dim_out))
        self.res = conv(dim_in, dim_out, kernel_size=3, stride=2, padding=0)

    def forward(self, x):
        return self.s(x) + self.res(x)


class ResidualAe(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(Block(3, 32), Block(32, 64), Block(64, 128), Block(128, 256),
                                     nn.Flatten(), nn.Linear(2304, 128))
        self.decoder = nn.Sequential(nn.Linear(128, 256 * 4 * 4), nn.InstanceNorm1d(256 * 4 * 4),
                                     nn.Unflatten(dim=1, unflattened_size=(256, 4, 4)),
                                     Block(256, 128, False), Block(128, 64, False), Block(64, 32, False), Block(32, 3, False),
                                     nn.UpsamplingNearest2d(size=64),
                                     nn.Conv2d(3, 3, kernel_size=1, stride=1, padding=0), nn.Tanh())

    def outputs(self, x):
        code = self.encoder(x)
        return {"code": code, "reconstruction": self.decoder(code)}


# --- seed 002: the "VAE series" notes' MLP VAE, fixed ------------------------------------------------
class MlpVae(nn.Module):
    def __init__(self, input_dim=256, hidden_dim=64, latent_num=2, latent_dim=32):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.LeakyReLU(0.2),
                                     nn.Linear(hidden_dim, latent_dim), nn.LeakyReLU(0.2))
        self.mean_layer = nn.Linear(latent_dim, latent_num)
        self.std_layer = nn.Linear(latent_dim, latent_num)  # predicts log sigma^2 (the fix)
        self.generation_layer = nn.Sequential(nn.Linear(latent_num, latent_dim), nn.LeakyReLU(0.2))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.LeakyReLU(0.2),
                                     nn.Linear(hidden_dim, input_dim), nn.Sigmoid())

    def encode(self, x):
        h = self.encoder(x)
        return self.mean_layer(h), self.std_layer(h)

    def sampling(self, mean, logvar):
        return mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)

    def decode(self, z):
        return self.decoder(self.generation_layer(z))

    def forward(self, x):
        mean, logvar = self.encode(x)
        return self.decode(self.sampling(mean, logvar)), mean, logvar

    def outputs(self, x):
        mean, logvar = self.encode(x)
        return {"mu": mean, "logvar": logvar, "reconstruction": self.decode(mean)}


MODELS = {
    "conv-vae": (ConvVae, lambda: torch.rand(2, 3, 64, 64) * 2 - 1),
    "residual-ae": (ResidualAe, lambda: torch.rand(3, 3, 64, 64) * 2 - 1),
    "mlp-vae": (MlpVae, lambda: torch.rand(5, 256)),
}


# --- safetensors by hand: 8-byte little-endian header length, JSON header, raw little-endian data ---------
DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=torch.uint8) if b > a else torch.empty(0, dtype=torch.uint8)
        out[name] = t.view(DTYPES[e["dtype"]]).reshape(e["shape"]).clone()
    return out


def read_state_dict(path):
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    return torch.load(path, map_location="cpu")


def seeded_model(name):
    torch.manual_seed(0)
    model = MODELS[name][0]()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):  # statistics a trained model would have, not 0 and 1
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(123)
    return model.eval()


def export(name, folder):
    model = seeded_model(name)
    x = MODELS[name][1]()
    with torch.no_grad():
        outputs = model.outputs(x)
    torch.save(model.state_dict(), f"{folder}/{name}.pth")
    write_safetensors(f"{folder}/{name}.safetensors", model.state_dict())
    write_safetensors(f"{folder}/{name}-io.safetensors", {"input": x, **outputs})
    torch.save(model, f"{folder}/{name}-whole.pth")
    print(json.dumps({"model": name, "tensors": len(model.state_dict()),
                      "parameters": sum(p.numel() for p in model.parameters())}))


def check(name, weights, io):
    model = MODELS[name][0]().eval()
    model.load_state_dict(read_state_dict(weights), strict=True)  # names and shapes must match exactly
    expected = read_safetensors(io)
    with torch.no_grad():
        outputs = model.outputs(expected["input"])
    diff = {k: (outputs[k] - expected[k]).abs().max().item() for k in outputs}
    print(json.dumps({"model": name, "max_abs_diff": diff}))


def read(*paths):
    def summary(sd):
        return {k: {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""), "sum": v.double().sum().item()}
                for k, v in sd.items()}
    print(json.dumps({path: summary(read_state_dict(path)) for path in paths}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"export": export, "check": check, "read": read}[command](*args)
