using AeLab.Evaluation;
using AeLab.Models;
using static TorchSharp.torch;

namespace AeLab.Tests.Evaluation;

public class DeadUnitsTests
{
    // A 4 → 3 → 2 → 1 → 2 → 3 → 4 autoencoder whose hidden layers are all alive on positive inputs, then one unit of
    // the first layer and one of the decoder's last hidden layer pushed below zero by a large negative bias.
    static MlpAutoencoder Tiny(double slope)
    {
        Lab.Seed(3);
        var m = new MlpAutoencoder(imageShape: new long[] { 4 }, latentSize: 1, hidden: new[] { 3, 2 }, leakySlope: slope);
        using (no_grad())
            foreach (var net in new[] { m.Encoder, m.DecoderNet })
                foreach (var layer in net.children().OfType<TorchSharp.Modules.Linear>())
                {
                    layer.weight!.abs_();
                    layer.bias!.fill_(0.1);
                }
        return m;
    }

    static void Kill(TorchSharp.Modules.Sequential net, int layer, int unit)
    {
        using var _ = no_grad();
        net.children().OfType<TorchSharp.Modules.Linear>().ElementAt(layer).bias![unit].fill_(-1000.0);
    }

    [Fact]
    public void Counts_units_whose_pre_activation_is_at_most_zero_on_every_input_layer_by_layer()
    {
        var m = Tiny(slope: 0);
        var x = rand(16, 4) + 0.1;
        var alive = DeadUnits.Count(m, x);
        Assert.Equal(new[] { "encoder 3", "encoder 2", "decoder 2", "decoder 3" }, alive.Layers.Select(l => l.Layer));
        Assert.Equal(0, alive.Dead);
        Assert.Equal(10, alive.Units);

        Kill(m.Encoder, layer: 0, unit: 1);
        Kill(m.DecoderNet, layer: 1, unit: 2);
        var dead = DeadUnits.Count(m, x);
        Assert.Equal(1, dead["encoder 3"]);
        Assert.Equal(1, dead["decoder 3"]);
        Assert.Equal(0, dead["encoder 2"]);
        Assert.Equal(2, dead.Dead);
        Assert.Equal(0.2, dead.Share, 10);
        Assert.Contains("encoder 3: 1/3", dead.ToString());
    }

    [Fact]
    public void A_unit_that_fires_on_one_input_is_alive()
    {
        var m = Tiny(slope: 0.2);
        using (no_grad())
        {
            var first = m.Encoder.children().OfType<TorchSharp.Modules.Linear>().First();
            first.weight![0].fill_(0);
            first.weight![0][3] = tensor(1f);   // unit 0 sees only the last pixel
            first.bias![0].fill_(-0.5);          // and fires only where that pixel is above 0.5
        }
        var x = zeros(8, 4);
        Assert.Equal(1, DeadUnits.Count(m, x)["encoder 3"]);
        x[5, 3] = tensor(0.9f);
        Assert.Equal(0, DeadUnits.Count(m, x)["encoder 3"]);
    }

    [Fact]
    public void Images_of_the_wrong_size_are_refused_with_the_shape_expected()
    {
        var e = Assert.Throws<ArgumentException>(() => DeadUnits.Count(Tiny(0), rand(2, 5)));
        Assert.Equal("images", e.ParamName);
        Assert.Contains("[N, 4]", e.Message);
        var f = Assert.Throws<ArgumentException>(() => DeadUnits.Count(Tiny(0), rand(2, 4))["decoder 9"]);
        Assert.Contains("\"encoder 3\"", f.Message);
    }

    static DeadUnitCount Counted(int dead)
    {
        // A count with `dead` dead units in a 10-unit network, built through the public path.
        var m = Tiny(0);
        for (int i = 0; i < dead; i++) Kill(i < 3 ? m.Encoder : m.DecoderNet, i < 3 ? 0 : 1, i % 3);
        return DeadUnits.Count(m, rand(4, 4) + 0.1);
    }

    [Fact]
    public void The_reading_compares_the_two_rates_and_names_the_better_fit()
    {
        var runs = new[]
        {
            new DeadUnitRun("ReLU", 1e-3, Counted(2), 0.0178),
            new DeadUnitRun("LeakyReLU(0.2)", 1e-3, Counted(0), 0.0161),
            new DeadUnitRun("ReLU", 1e-2, Counted(5), 0.0153),
            new DeadUnitRun("LeakyReLU(0.2)", 1e-2, Counted(1), 0.0121),
        };
        Assert.Equal("dead units from lr 0.001 to 0.01: ReLU 2 → 5, LeakyReLU(0.2) 0 → 1; lower training MSE: LeakyReLU(0.2) at both rates",
            DeadUnitStudy.Reading(runs));
        runs[0] = runs[0] with { TrainMse = 0.01 };
        Assert.EndsWith("lower training MSE: ReLU at lr 0.001, LeakyReLU(0.2) at lr 0.01", DeadUnitStudy.Reading(runs));

        // Lesson 02's three runs: ReLU at two rates, LeakyReLU at the larger one only.
        var three = new[] { runs[0], runs[2], runs[3] };
        Assert.Equal("dead units from lr 0.001 to 0.01: ReLU 2 → 5; lower training MSE at lr 0.01: LeakyReLU(0.2)", DeadUnitStudy.Reading(three));

        var table = DeadUnitStudy.Table(runs).ToString().Split('\n');
        Assert.Equal(6, table.Length);   // header, four runs, the reading
        Assert.StartsWith("activation      learning rate  encoder 3", table[0]);
        Assert.Matches(@"^ReLU\s+0\.01\s+3\s+0\s+0\s+2\s+5\s+0\.0153$", table[3]);
    }
}
