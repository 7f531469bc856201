using AeLab.Training;
using AeLab.Data;
using AeLab.Evaluation;
using static TorchSharp.torch;

namespace AeLab.Tests.Evaluation;

public class FashionClassifierTests
{
    [Fact]
    public void Features_are_the_input_of_the_class_layer()
    {
        Lab.Init(seed: 1);
        using var net = new FashionClassifier(featureSize: 32);
        net.eval();
        using var x = rand(6, 1, 28, 28);
        using var f = net.Features(x);
        Assert.Equal(new long[] { 6, 32 }, f.shape);
        Assert.True(f.ge(0).all().item<bool>());   // after the ReLU
        using var logits = net.forward(x);
        Assert.Equal(new long[] { 6, 10 }, logits.shape);
        var head = net.named_children().Single(c => c.name == "head").module as TorchSharp.Modules.Linear;
        using var again = head!.forward(f);
        Assert.True(again.allclose(logits, rtol: 1e-5, atol: 1e-6));
        using var batched = net.FeaturesOf(x, batchSize: 4);
        Assert.True(batched.allclose(f, rtol: 1e-5, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => net.Features(rand(2, 784)));
    }

    [Fact]
    public void Learns_fashion_mnist_from_a_few_thousand_images()
    {
        Lab.Init(seed: 2);
        using var train = FashionMnist.Load(train: true).Take(4000);
        using var test = FashionMnist.Load(train: false).Take(1000);
        using var net = new FashionClassifier();
        double before = net.Accuracy(test);
        using var optimizer = optim.Adam(net.parameters(), 2e-3);
        var result = new Trainer(net, optimizer) { Schedule = Schedule.OneCycle(2e-3), Quiet = true }
            .Fit(new DataLoader(train, 128, shuffle: true), epochs: 2);
        net.eval();
        double after = net.Accuracy(test);
        Assert.True(before < 0.3, $"untrained accuracy {before}");
        Assert.True(after > 0.7, $"accuracy after 2 epochs on 4000 images {after}");
        Assert.Equal(2, result.Epochs);
        Assert.True(result.Last!["accuracy"] > 0.5);
    }
}
