using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using LlmEmbed.Build;
using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Tests.Support;
using Xunit.Abstractions;

namespace LlmEmbed.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: <c>dotnet pack</c> of the library and the CLI into a folder, then
/// <c>dotnet tool install --tool-path</c> from that folder alone (a NuGet.Config with no other source), and the
/// installed <c>llm-embed</c> run from a folder outside the checkout: <c>info</c> prints what the library reads,
/// <c>embed</c> writes the vectors the library's <see cref="EmbeddingModel.Encode(IReadOnlyList{string}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>
/// gives for the same texts. Slow (packing and unpacking libtorch: a minute or two).
/// </summary>
public class ToolPackageTests(ITestOutputHelper output)
{
    /// <summary>Release or Debug: the configuration these tests were built in, which the packed projects share (--no-build).</summary>
    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    [Fact]
    public void PackedToolInstallsFromALocalFolderAndEmbedsAsTheLibraryDoes()
    {
        using var tmp = TestPaths.NewTempDir();
        string feed = tmp.File("feed");
        var clock = Stopwatch.StartNew();
        Dotnet(TestPaths.RepoRoot, TimeSpan.FromMinutes(8), "pack", "src/LlmEmbed/LlmEmbed.csproj", "-c", Configuration, "--no-build", "-o", feed);
        // The tool packs its publish folder: a fresh one here, so nothing stale from an earlier publish can slip in.
        Dotnet(TestPaths.RepoRoot, TimeSpan.FromMinutes(8), "pack", "src/LlmEmbed.Cli/LlmEmbed.Cli.csproj", "-c", Configuration, "--no-build", "-o", feed,
            $"-p:PublishDir={tmp.File("publish")}/");
        output.WriteLine($"dotnet pack: {clock.Elapsed.TotalSeconds:F0} s");

        string toolPackage = Assert.Single(Directory.GetFiles(feed, "llm-embed.*.nupkg"));
        string libraryPackage = Assert.Single(Directory.GetFiles(feed, "LlmEmbed.*.nupkg"));
        string version = Path.GetFileNameWithoutExtension(toolPackage)["llm-embed.".Length..];
        output.WriteLine($"{Path.GetFileName(toolPackage)}: {new FileInfo(toolPackage).Length / 1e6:F1} MB; {Path.GetFileName(libraryPackage)}: {new FileInfo(libraryPackage).Length / 1e6:F2} MB");
        CheckToolPackage(toolPackage, tmp.File("packed-libLibTorchSharp.so"));
        CheckLibraryPackage(libraryPackage);

        // Only the local folder: the tool package carries everything it runs on, so nothing else is fetched.
        string nugetConfig = tmp.File("NuGet.Config");
        new XDocument(new XElement("configuration", new XElement("packageSources",
            new XElement("clear"), new XElement("add", new XAttribute("key", "local"), new XAttribute("value", feed))))).Save(nugetConfig);
        string tools = tmp.File("tools");
        clock.Restart();
        Dotnet(tmp.Path, TimeSpan.FromMinutes(5), "tool", "install", "llm-embed", "--tool-path", tools, "--add-source", feed,
            "--configfile", nugetConfig, "--version", version);
        output.WriteLine($"dotnet tool install: {clock.Elapsed.TotalSeconds:F0} s");
        string llmEmbed = Path.Combine(tools, "llm-embed");
        Assert.True(File.Exists(llmEmbed), $"the tool install gave no {llmEmbed}");

        // A working folder outside the checkout: nothing of the repository's build output can be found from it.
        string work = tmp.File("work");
        Directory.CreateDirectory(work);

        string baseModel = Path.Combine(TestPaths.RepoRoot, "models", "llm-embed-base");
        var (infoExit, infoOut, infoErr) = Run(llmEmbed, work, "info", "--model", baseModel);
        Assert.True(infoExit == 0, $"installed llm-embed info exited {infoExit}\n{infoOut}\n{infoErr}");
        // info's lines, then what dtype auto means here (the installed tool inherits the suite's float32 pin).
        var expectedLines = ModelFolderInfo.Read(baseModel).Lines().Select(l => $"{l.Name,-18} {l.Value}")
            .Append($"{"cpu dtype",-18} {CpuDTypeProbe.Current}").ToList();
        Assert.Equal(expectedLines, infoOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList());

        // An embedding model on the project's base model (mean pooling, no LoRA: nothing random to initialise).
        string modelDir = tmp.File("model");
        var config = EmbeddingPresets.Get("mean-bidirectional", baseModel) with { MaxLength = 64 };
        using (var model = EmbeddingModel.FromBaseModel(config with { Lora = config.Lora with { Enabled = false } }))
            model.Save(modelDir);
        string[] texts =
        [
            "A man is playing a guitar.",
            "Zwei Hunde spielen im Schnee — naïve café.",
            "The quick brown fox jumps over the lazy dog, again and again, until the dog finally wakes up and chases it away.",
            "x",
        ];
        string input = Path.Combine(work, "texts.txt");
        File.WriteAllLines(input, texts);
        string npy = Path.Combine(work, "out.npy");
        var (embedExit, embedOut, embedErr) = Run(llmEmbed, work, "embed", "--model", modelDir, "--input", input, "--output", npy, "--device", "cpu", "--batch-size", "2");
        Assert.True(embedExit == 0, $"installed llm-embed embed exited {embedExit}\n{embedOut}\n{embedErr}");
        Assert.Contains($"wrote {texts.Length} embeddings", embedErr);

        float[][] fromTool = NpyReader.ReadFloat32(npy);
        float[][] fromLibrary;
        using (var model = EmbeddingModel.Load(modelDir))
            fromLibrary = model.Encode(texts, new EncodeOptions { BatchSize = 2 });
        Assert.Equal(texts.Length, fromTool.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(fromLibrary[i].Length, fromTool[i].Length);
            Assert.True(fromLibrary[i].Any(v => v != 0), $"text {i}: the library's vector is all zeros");
            // The same code and libtorch; only the thread count (summation order) may differ.
            double worst = fromLibrary[i].Zip(fromTool[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5, $"text {i}: the installed tool's vector differs from the library's by up to {worst:E2}");
        }
    }

    [Fact]
    public void LibraryPackageBuildsIntoAnOutsideProjectThatEncodesAsTheLibraryDoes()
    {
        using var tmp = TestPaths.NewTempDir();
        string feed = tmp.File("feed");
        Dotnet(TestPaths.RepoRoot, TimeSpan.FromMinutes(5), "pack", "src/LlmEmbed/LlmEmbed.csproj", "-c", Configuration, "--no-build", "-o", feed);
        string version = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(feed, "LlmEmbed.*.nupkg")))["LlmEmbed.".Length..];

        // A project outside the checkout (no Directory.Build.* of ours), portable (no RuntimeIdentifier): it gets the
        // libstdc++ fix and the task registry from the package alone. Its own packages folder takes LlmEmbed from the
        // local folder; the dependencies (TorchSharp, libtorch, ...) come from the machine's package cache as a
        // read-only fallback, so the restore needs no network and leaves no test version in the cache.
        string project = tmp.File("consumer");
        Directory.CreateDirectory(project);
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        new XDocument(new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", tmp.File("packages")))),
            new XElement("packageSources", new XElement("clear"), new XElement("add", new XAttribute("key", "local"), new XAttribute("value", feed))),
            new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "cache"), new XAttribute("value", cache))))).Save(Path.Combine(project, "NuGet.Config"));
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LlmEmbed" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            using LlmEmbed.Embedding;
            using LlmEmbed.Evaluation.Tasks;
            using var model = EmbeddingModel.Load(args[0]);
            foreach (float[] vector in model.Encode(File.ReadAllLines(args[1])))
                Console.WriteLine(string.Join(" ", vector.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
            Console.Error.WriteLine($"tasks: {TaskRegistry.Load().Tasks.Count}");
            """);
        var clock = Stopwatch.StartNew();
        Dotnet(project, TimeSpan.FromMinutes(5), "build", "-c", "Release");
        output.WriteLine($"consumer restore + build: {clock.Elapsed.TotalSeconds:F0} s");
        string bin = Path.Combine(project, "bin", "Release", "net10.0");
        string packed = Path.Combine(bin, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(packed), $"no {packed} in the consumer's output");
        if (!SystemHasGlibcxx3432()) // the package's buildTransitive targets patched the consumer's copy
            Assert.DoesNotContain(ElfVersionNeedPatcher.ListVersionNeeds(packed), n => n.Version == "GLIBCXX_3.4.32");
        Assert.True(File.Exists(Path.Combine(bin, "Evaluation", "tasks.json")), "the task registry was not copied to the consumer's output");

        string baseModel = Path.Combine(TestPaths.RepoRoot, "models", "llm-embed-base");
        string modelDir = tmp.File("model");
        var config = EmbeddingPresets.Get("eos-causal", baseModel) with { MaxLength = 64 };
        using (var model = EmbeddingModel.FromBaseModel(config with { Lora = config.Lora with { Enabled = false } }))
            model.Save(modelDir);
        string[] texts = ["A dog runs through the park.", "Über den Wolken muss die Freiheit wohl grenzenlos sein."];
        string input = tmp.File("texts.txt");
        File.WriteAllLines(input, texts);
        var (exit, stdout, stderr) = RunProcess("dotnet", project, TimeSpan.FromMinutes(3), [Path.Combine(bin, "Consumer.dll"), modelDir, input]);
        Assert.True(exit == 0, $"the consumer exited {exit}\n{stdout}\n{stderr}");
        Assert.Matches(@"tasks: \d+", stderr);
        float[][] fromConsumer = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        float[][] fromLibrary;
        using (var model = EmbeddingModel.Load(modelDir))
            fromLibrary = model.Encode(texts);
        Assert.Equal(texts.Length, fromConsumer.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(fromLibrary[i].Length, fromConsumer[i].Length);
            double worst = fromLibrary[i].Zip(fromConsumer[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5, $"text {i}: the consumer's vector differs from the library's by up to {worst:E2}");
        }
    }

    /// <summary>Whether this machine's libstdc++ has GLIBCXX_3.4.32 (then a build leaves the library as shipped).</summary>
    private static bool SystemHasGlibcxx3432() =>
        new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists) is { } lib && ElfVersionNeedPatcher.FileContainsString(lib, "GLIBCXX_3.4.32");

    /// <summary>The tool package holds the publish folder: libtorch, the task registry, and the patched libLibTorchSharp.so.</summary>
    private void CheckToolPackage(string package, string extractedLibrary)
    {
        using var zip = ZipFile.OpenRead(package);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        const string root = "tools/net10.0/linux-x64/";
        foreach (string required in new[] { "DotnetToolSettings.xml", "llm-embed.dll", "LlmEmbed.dll", "TorchSharp.dll", "libLibTorchSharp.so",
                     "libtorch.so", "libtorch_cpu.so", "libc10.so", "Evaluation/tasks.json" })
            Assert.True(names.Contains(root + required), $"{Path.GetFileName(package)} lacks {root}{required}");
        Assert.False(names.Contains(root + "libtorch_python.so"), "libtorch_python.so was packed (TorchSharp never loads it)");
        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        Assert.Contains(nuspec.Descendants().Where(e => e.Name.LocalName == "packageType"), e => (string?)e.Attribute("name") == "DotnetTool");

        // Whatever this machine's libstdc++, the packed library asks for nothing newer than GLIBCXX_3.4.30 (Debian 12).
        zip.GetEntry(root + "libLibTorchSharp.so")!.ExtractToFile(extractedLibrary);
        var needs = ElfVersionNeedPatcher.ListVersionNeeds(extractedLibrary);
        Assert.Contains(needs, n => n.Version == "GLIBCXX_3.4.21");
        Assert.DoesNotContain(needs, n => n.Version == "GLIBCXX_3.4.32");
        long unpacked = zip.Entries.Sum(e => e.Length);
        output.WriteLine($"tool package: {zip.Entries.Count} files, {unpacked / 1e6:F0} MB unpacked");
    }

    /// <summary>The library package: the assembly, its dependencies (TorchSharp and the libtorch runtime), the task registry and the libstdc++ fix.</summary>
    private static void CheckLibraryPackage(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (string required in new[] { "lib/net10.0/LlmEmbed.dll", "contentFiles/any/any/Evaluation/tasks.json",
                     "buildTransitive/LlmEmbed.targets", "buildTransitive/ElfVersionNeedPatcher.cs" })
            Assert.True(names.Contains(required), $"{Path.GetFileName(package)} lacks {required}");
        Assert.DoesNotContain(names, n => n.EndsWith(".so", StringComparison.Ordinal)); // libtorch comes from its own package
        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string?)e.Attribute("id")).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.Contains("libtorch-cpu-linux-x64", dependencies);
    }

    private static (int Exit, string Stdout, string Stderr) Run(string executable, string workingDirectory, params string[] arguments) =>
        RunProcess(executable, workingDirectory, TimeSpan.FromMinutes(3), arguments);

    private void Dotnet(string workingDirectory, TimeSpan limit, params string[] arguments)
    {
        var (exit, stdout, stderr) = RunProcess("dotnet", workingDirectory, limit, arguments);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', arguments)} exited {exit}\n{stdout}\n{stderr}");
        output.WriteLine($"dotnet {string.Join(' ', arguments)}: ok");
    }

    private static (int Exit, string Stdout, string Stderr) RunProcess(string executable, string workingDirectory, TimeSpan limit, string[] arguments)
    {
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment.Remove("MSBuildExtensionsPath"); // set by the test host's own build; a nested dotnet must find its own
        psi.Environment.Remove("MSBUILD_EXE_PATH");
        psi.Environment.Remove("MSBuildSDKsPath");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{executable} {string.Join(' ', arguments)} did not finish in {limit.TotalMinutes:F0} minutes");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
