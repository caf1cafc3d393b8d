namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Checks, before training starts, that every batch the run will draw gives at least one query a negative.
/// Without one, every candidate but the positive is masked (or there is none), the loss and gradient are 0 and the
/// run trains nothing while looking healthy. Batches are a pure function of the position, so all of them can be
/// checked from the texts alone, cheaply.
/// </summary>
public static class NegativeAvailability
{
    public static void Require(ContrastiveDataMixture mixture, int batchSize, int accumulationSteps, long maxSteps, bool maskDuplicatePositives)
    {
        for (long step = 0; step < maxSteps; step++)
        {
            for (int micro = 0; micro < accumulationSteps; micro++)
            {
                long position = (step * accumulationSteps + micro) * (long)batchSize;
                var batch = mixture.Batch(position, batchSize);
                if (HasNegative(batch, maskDuplicatePositives)) continue;
                string rows = string.Join(", ", batch.Select(r => $"{r.Source}:{r.Line}").Distinct().Take(5));
                string why = batchSize == 1
                    ? "batch_size is 1 and the row has no hard negative"
                    : maskDuplicatePositives
                        ? "every candidate in it has the same text as the positive (duplicates are masked) and no row has a different hard negative"
                        : "it holds a single candidate";
                throw new InvalidDataException(
                    $"data: the batch of step {step + 1} (rows {rows}) gives no query a negative: {why}, so the loss and gradient would be 0. " +
                    "Add rows with different positives or hard negatives (\"negative\"), or raise batch_size");
            }
        }
    }

    /// <summary>Whether some query of the batch has a candidate other than its positive that is not masked.</summary>
    public static bool HasNegative(IReadOnlyList<ContrastiveExample> batch, bool maskDuplicatePositives)
    {
        int candidates = batch.Count + batch.Count(r => r.Negative != null);
        if (!maskDuplicatePositives) return candidates >= 2;
        foreach (var row in batch)
        {
            foreach (var other in batch)
            {
                if (other.Positive != row.Positive) return true;
                if (other.Negative != null && other.Negative != row.Positive) return true;
            }
        }
        return false;
    }
}
