using AeLab.Data;
using AeLab.Runtime;
using AeLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AeLab.Evaluation;

/// <summary>
/// Lesson 12's judge of Fashion-MNIST images, as every lesson that scores samples builds it: lesson 12's classifier
/// (<see cref="FashionClassifier"/> with 128 features; Adam at 2·10⁻³ with a one-cycle schedule, batches of 128, 6
/// epochs on the 60 000 training images) through <see cref="Checkpoint.LoadOrTrain"/> under lesson 12's checkpoint
/// name and configuration, and a <see cref="FrechetScorer"/> on the features of the first test images.
/// <code>
/// var judge = FashionJudge.Lesson12(fullTrain, fullTest, referenceCount: 2000);   // lesson 13: borrowed, loads lesson 12's
/// judge.Scorer.Score(samples).Squared
/// </code>
/// </summary>
/// <param name="Classifier">The classifier, in evaluation mode.</param>
/// <param name="Run">Its training run (from the checkpoint when it loaded).</param>
/// <param name="ClassifierTest">The test images it validates on (all 10 000; smoke mode: 1 024).</param>
/// <param name="ReferenceFeatures">The classifier's features [N, 128] of the reference test images.</param>
/// <param name="Scorer">The Fréchet distance to the reference test images.</param>
public sealed record FashionJudge(FashionClassifier Classifier, TrainResult Run, ImageDataset ClassifierTest, Tensor ReferenceFeatures,
    FrechetScorer Scorer) : IDisposable
{
    /// <summary>
    /// Loads (or, with no checkpoint, trains) lesson 12's classifier and fits the scorer on the first
    /// <paramref name="referenceCount"/> images of <paramref name="fullTest"/>. <paramref name="fullTrain"/> and
    /// <paramref name="fullTest"/> are the whole Fashion-MNIST sets (smoke mode takes its subsets here, as lesson 12
    /// does). Lesson 12 owns the checkpoint (<paramref name="borrowed"/> false: its shipped weights record the test
    /// figures and reproduce them on load); any other lesson borrows it, and then loads it even under the training switch.
    /// </summary>
    public static FashionJudge Lesson12(ImageDataset fullTrain, ImageDataset fullTest, int referenceCount, bool borrowed = true)
    {
        ArgumentNullException.ThrowIfNull(fullTrain);
        ArgumentNullException.ThrowIfNull(fullTest);
        if (referenceCount < 2 || referenceCount > fullTest.Count)
            throw new ArgumentOutOfRangeException(nameof(referenceCount), referenceCount,
                $"referenceCount must lie in 2…{fullTest.Count} (the test images the score compares with).");
        int epochs = Lab.Pick(6, 1);
        var train = Lab.Smoke ? fullTrain.Take(2048) : fullTrain;
        var test = Lab.Smoke ? fullTest.Take(1024) : fullTest;
        var testLoader = new DataLoader(test, 1000, shuffle: false, device: Lab.Device);
        Lab.Seed(0);
        var classifier = new FashionClassifier(featureSize: 128).to(Lab.Device);
        var run = Checkpoint.LoadOrTrain(Course.Checkpoint("12-comparing-generators", "classifier"), classifier,
            () => new Trainer(classifier, optim.Adam(classifier.parameters(), 2e-3)) { Validation = testLoader, Schedule = Schedule.OneCycle(2e-3) }
                .Fit(new DataLoader(train, 128, shuffle: true, device: Lab.Device), epochs),
            config: Config(epochs, train.Count),
            evaluate: borrowed ? null : Trainer.Evaluation(classifier, testLoader), borrowed: borrowed);
        classifier.eval();
        var features = classifier.FeaturesOf(fullTest.Images.narrow(0, 0, referenceCount));
        return new FashionJudge(classifier, run, test, features, FrechetScorer.FromFeatures(classifier, features));
    }

    /// <summary>Lesson 12's configuration of its classifier, property for property: a checkpoint stores it as JSON, and the
    /// shipped weights load only while it is unchanged.</summary>
    internal static object Config(int epochs, int trainCount) => new { featureSize = 128, epochs, lr = 2e-3, batch = 128, n = trainCount };

    /// <summary>Number of reference test images.</summary>
    public long ReferenceCount => ReferenceFeatures.shape[0];

    public void Dispose()
    {
        Scorer.Dispose();
        ReferenceFeatures.Dispose();
    }
}
