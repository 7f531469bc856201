using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AeLab.Models.PixelCnn;

public sealed partial class PixelCnnPrior
{
    /// <summary>
    /// The network run one row of the code map at a time, for sampling. Every layer's output row i depends on its
    /// input rows up to i only (the masked convolutions see the rows above and the row itself; the rest are 1×1), so
    /// once a row's codes are all drawn its activations never change. The sampler keeps, for each layer with a
    /// k×k kernel, the input rows computed so far — the embeddings for the 7×7 first layer, each block's
    /// 3×3 input — and computes a new row from the ⌊k/2⌋ rows above it and the row itself. A draw at (i, j) then costs
    /// one row of the network instead of the whole map; the logits are the whole network's.
    /// </summary>
    internal sealed class RowSampler : IDisposable
    {
        readonly PixelCnnPrior _prior;
        readonly Tensor _embedded;                         // [n, E, H, W]: the first layer's input
        readonly (Conv2d First, MaskedConv2d Masked, Conv2d Last, Tensor Input)[] _blocks;   // Input: [n, C/2, H, W]

        public RowSampler(PixelCnnPrior prior, int n)
        {
            _prior = prior;
            var (height, width) = prior.MapSize;
            var device = prior.embed.weight!.device;
            _embedded = zeros(new long[] { n, prior.embed.weight!.shape[1], height, width }, device: device);
            _blocks = prior.blocks.Select(b =>
            {
                var children = b.children().ToList();
                var convs = children.OfType<Conv2d>().ToList();
                var masked = children.OfType<MaskedConv2d>().Single();
                var input = zeros(new long[] { n, convs[0].weight!.shape[0], height, width }, device: device);
                return (convs[0], masked, convs[1], input);
            }).ToArray();
        }

        /// <summary>The logits [n, K, 1, W] of row <paramref name="i"/> of <paramref name="codes"/> [n, H, W], whose rows
        /// above i must be the ones this sampler computed last; row i's inputs are stored for the rows below.</summary>
        public Tensor Compute(Tensor codes, int i)
        {
            using var scope = NewDisposeScope();
            _embedded.narrow(2, i, 1).copy_(_prior.Embed(codes.narrow(1, i, 1)));
            var h = _prior.input.ForwardRow(Window(_embedded, i, _prior.input.KernelSize / 2));
            foreach (var (first, masked, last, input) in _blocks)
            {
                input.narrow(2, i, 1).copy_(nn.functional.relu(first.forward(nn.functional.relu(h))));
                var v = masked.ForwardRow(Window(input, i, masked.KernelSize / 2));
                h = h + last.forward(nn.functional.relu(v));
            }
            return _prior.head.forward(h).MoveToOuterDisposeScope();
        }

        // Rows i − above … i of a layer's input, with zero rows above the map as the convolution's padding gives.
        static Tensor Window(Tensor layerInput, int i, int above)
        {
            int first = Math.Max(0, i - above);
            var rows = layerInput.narrow(2, first, i - first + 1);
            return first == i - above ? rows : nn.functional.pad(rows, new long[] { 0, 0, above - i + first, 0 });
        }

        public void Dispose()
        {
            _embedded.Dispose();
            foreach (var b in _blocks) b.Input.Dispose();
        }
    }
}
