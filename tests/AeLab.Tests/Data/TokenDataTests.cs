using AeLab.Data;
using static TorchSharp.torch;

namespace AeLab.Tests.Data;

/// <summary>Lesson 10's data: random digit lists with disjoint held-out lists, and batches cut from a tensor.</summary>
public class TokenDataTests
{
    public TokenDataTests() => Lab.Init();

    [Fact]
    public void Disjoint_digit_lists_share_no_list_and_repeat_under_the_same_seed()
    {
        Lab.Init(seed: 0);
        Lab.Seed(4);
        var (train, heldOut) = DigitLists.Disjoint(500, 50, 3);   // 1 000 possible lists: collisions are certain
        Assert.Equal(new long[] { 500, 3 }, train.shape);
        Assert.Equal(new long[] { 50, 3 }, heldOut.shape);
        Assert.True(train.min().item<long>() >= 0 && train.max().item<long>() <= 9);
        Assert.Empty(DigitLists.Keys(heldOut).Intersect(DigitLists.Keys(train)));
        Lab.Seed(4);
        var (again, againHeldOut) = DigitLists.Disjoint(500, 50, 3);
        Assert.True(again.equal(train).all().item<bool>() && againHeldOut.equal(heldOut).all().item<bool>());
        Assert.Equal(new long[] { 907, 12 }, DigitLists.Keys(tensor(new long[,] { { 9, 0, 7 }, { 0, 1, 2 } })));
        Assert.Throws<ArgumentOutOfRangeException>(() => DigitLists.Disjoint(10, 5, 19));
    }

    [Fact]
    public void TensorBatches_cut_full_batches_in_order_or_shuffled_anew_each_time()
    {
        Lab.Init(seed: 0);
        using var data = arange(10).unsqueeze(1);
        var inOrder = TensorBatches.Of(data, 4, shuffle: false, CPU).Select(b => b.X.flatten().data<long>().ToArray()).ToList();
        Assert.Equal(new[] { new long[] { 0, 1, 2, 3 }, new long[] { 4, 5, 6, 7 } }, inOrder);   // the partial batch is dropped
        var shuffled = TensorBatches.Of(data, 5, shuffle: true, CPU);
        var first = shuffled.SelectMany(b => b.X.flatten().data<long>().ToArray()).ToArray();
        var second = shuffled.SelectMany(b => b.X.flatten().data<long>().ToArray()).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), first.Order());
        Assert.NotEqual(first, second);   // each enumeration draws a new order (1 in 10! to coincide)
        Assert.Throws<ArgumentException>(() => TensorBatches.Of(data, 11, shuffle: false));
    }
}
