// Rewrites one ELF "version need" entry (.gnu.version_r) of a shared library so that it asks the
// dynamic loader for a symbol version the system provides.
//
// Why: TorchSharp 0.107.0's native libLibTorchSharp.so declares a need for GLIBCXX_3.4.32, used only
// by the symbol _ZSt21ios_base_library_initv, which has no relocation. Debian 12's libstdc++ provides
// versions up to GLIBCXX_3.4.30, so the loader refuses the library although nothing it resolves needs
// 3.4.32. Pointing that need at GLIBCXX_3.4.21 (same library, present on every supported system) lets
// it load. The file is rewritten through a temporary copy and a rename, so a hard link into the NuGet
// cache is never modified and a crash never leaves a half-written library.
//
// This file is compiled twice: into the MSBuild inline task (LlmEmbed.targets beside it, imported by the
// repository's Directory.Build.targets and shipped in the LlmEmbed package) and into the
// test project (LLMEMBED_TESTS), which checks the patch on a copy of the real library.
using System;
using System.IO;
using System.Text;

namespace LlmEmbed.Build
{
    public static class ElfVersionNeedPatcher
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Outcome of <see cref="Patch"/>.</summary>
        public enum Result { Patched, NotNeeded, TargetMissing }

        /// <summary>The ELF (SysV) hash used in vna_hash.</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (byte c in Encoding.ASCII.GetBytes(name))
            {
                h = (h << 4) + c;
                uint g = h & 0xf0000000;
                if (g != 0) h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        /// <summary>True when a file (e.g. the system libstdc++) contains the given version string.</summary>
        public static bool FileContainsString(string path, string value)
        {
            byte[] needle = Encoding.ASCII.GetBytes(value + "\0");
            byte[] data = File.ReadAllBytes(path);
            for (int i = 0; i + needle.Length <= data.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && data[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        /// <summary>Lists the version names a library needs, as (file, version) pairs.</summary>
        public static System.Collections.Generic.List<(string File, string Version)> ListVersionNeeds(string path)
        {
            var list = new System.Collections.Generic.List<(string, string)>();
            byte[] data = File.ReadAllBytes(path);
            ForEachNeed(data, path, (file, name, _) => list.Add((file, name)));
            return list;
        }

        /// <summary>
        /// Rewrites the need for <paramref name="from"/> into one for <paramref name="to"/> (whose name must
        /// already be in the library's dynamic string table). Idempotent: a second call returns NotNeeded.
        /// </summary>
        public static Result Patch(string path, string from, string to)
        {
            byte[] data = File.ReadAllBytes(path);
            int fromAux = -1;
            int toNameOffset = -1;
            ForEachNeed(data, path, (file, name, auxOffset) =>
            {
                if (name == from) fromAux = auxOffset;
                if (name == to) toNameOffset = (int)BitConverter.ToUInt32(data, auxOffset + 8);
            });
            if (fromAux < 0) return Result.NotNeeded;
            if (toNameOffset < 0) return Result.TargetMissing;

            BitConverter.GetBytes(ElfHash(to)).CopyTo(data, fromAux);           // vna_hash
            BitConverter.GetBytes((uint)toNameOffset).CopyTo(data, fromAux + 8); // vna_name
            string tmp = path + ".patch-tmp";
            File.WriteAllBytes(tmp, data);
            File.Replace(tmp, path, null); // atomic rename over the original
            return Result.Patched;
        }

        private static void ForEachNeed(byte[] d, string path, Action<string, string, int> visit)
        {
            if (d.Length < 64 || d[0] != 0x7f || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F')
                throw new InvalidDataException($"{path}: not an ELF file");
            if (d[4] != 2 || d[5] != 1)
                throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported");
            long shoff = BitConverter.ToInt64(d, 0x28);
            int shentsize = BitConverter.ToUInt16(d, 0x3A);
            int shnum = BitConverter.ToUInt16(d, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (BitConverter.ToUInt32(d, (int)sh + 4) != ShtGnuVerneed) continue;
                long offset = BitConverter.ToInt64(d, (int)sh + 0x18);
                int link = (int)BitConverter.ToUInt32(d, (int)sh + 0x28);
                int count = (int)BitConverter.ToUInt32(d, (int)sh + 0x2C);
                long strOff = BitConverter.ToInt64(d, (int)(shoff + (long)link * shentsize) + 0x18);
                long vn = offset;
                for (int n = 0; n < count; n++)
                {
                    int cnt = BitConverter.ToUInt16(d, (int)vn + 2);
                    string file = ReadString(d, strOff + BitConverter.ToUInt32(d, (int)vn + 4));
                    long aux = vn + BitConverter.ToUInt32(d, (int)vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        visit(file, ReadString(d, strOff + BitConverter.ToUInt32(d, (int)aux + 8)), (int)aux);
                        aux += BitConverter.ToUInt32(d, (int)aux + 12);
                    }
                    vn += BitConverter.ToUInt32(d, (int)vn + 12);
                }
            }
        }

        private static string ReadString(byte[] d, long start)
        {
            int end = Array.IndexOf(d, (byte)0, (int)start);
            return Encoding.ASCII.GetString(d, (int)start, end - (int)start);
        }
    }

#if !LLMEMBED_TESTS
    /// <summary>MSBuild task: patch libLibTorchSharp.so in an output folder when the system libstdc++ needs it.</summary>
    public class PatchLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public string Directory { get; set; } = "";

        /// <summary>
        /// Patch whatever this machine's libstdc++ provides: for publish output and tool packages, which run on
        /// other machines (GLIBCXX_3.4.21 is met by every libstdc++ since GCC 5, so the patched library loads everywhere).
        /// </summary>
        public bool Always { get; set; }

        public override bool Execute()
        {
            // Flat in a RID-specific output; under runtimes/ in a portable one (a library consumer without a RuntimeIdentifier).
            bool ok = true;
            foreach (string lib in new[] { Path.Combine(Directory, "libLibTorchSharp.so"), Path.Combine(Directory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so") })
                if (File.Exists(lib)) ok &= PatchOne(lib);
            return ok;
        }

        private bool PatchOne(string lib)
        {
            if (Always)
            {
                var forced = ElfVersionNeedPatcher.Patch(lib, "GLIBCXX_3.4.32", "GLIBCXX_3.4.21");
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "libstdc++ fix: {0}: {1} (published output runs on other machines)",
                    lib, forced == ElfVersionNeedPatcher.Result.Patched ? "version need GLIBCXX_3.4.32 rewritten to GLIBCXX_3.4.21" : forced.ToString());
                return forced != ElfVersionNeedPatcher.Result.TargetMissing;
            }
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            string system = Array.Find(candidates, File.Exists);
            if (system == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "libstdc++ fix: no system libstdc++.so.6 found; leaving {0} as shipped", lib);
                return true;
            }
            if (ElfVersionNeedPatcher.FileContainsString(system, "GLIBCXX_3.4.32"))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "libstdc++ fix: {0} provides GLIBCXX_3.4.32; nothing to do", system);
                return true;
            }
            var result = ElfVersionNeedPatcher.Patch(lib, "GLIBCXX_3.4.32", "GLIBCXX_3.4.21");
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                result == ElfVersionNeedPatcher.Result.Patched
                    ? "libstdc++ fix: {0}: version need GLIBCXX_3.4.32 rewritten to GLIBCXX_3.4.21 ({1} lacks 3.4.32)"
                    : "libstdc++ fix: {0}: " + result + " ({1} lacks 3.4.32)", lib, system);
            return result != ElfVersionNeedPatcher.Result.TargetMissing;
        }
    }
#endif
}
