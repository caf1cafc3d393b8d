namespace LlmEmbed.Evaluation.Data;

/// <summary>A dataset file is missing, empty or malformed; the message names the file and, where known, the line.</summary>
public sealed class DatasetFormatException : Exception
{
    public string FilePath { get; }
    /// <summary>1-based line number, or 0 when the problem concerns the whole file.</summary>
    public int LineNumber { get; }

    public DatasetFormatException(string filePath, int lineNumber, string message, Exception? inner = null)
        : base(lineNumber > 0 ? $"{filePath}:{lineNumber}: {message}" : $"{filePath}: {message}", inner)
    {
        FilePath = filePath;
        LineNumber = lineNumber;
    }
}
