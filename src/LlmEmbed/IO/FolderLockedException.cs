namespace LlmEmbed.IO;

/// <summary>Raised when another live process owns an output folder.</summary>
public sealed class FolderLockedException(string folder, FolderLockOwner? holder)
    : IOException($"{folder} is in use by {holder?.Describe() ?? "another process (its owner file is unreadable)"}; " +
                  "wait for it to finish, stop it, or choose another output folder")
{
    public string Folder { get; } = folder;
    public FolderLockOwner? Holder { get; } = holder;
}
