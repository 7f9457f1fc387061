using System.Text;

namespace PinApi.Benchmarks.Corpus;

/// <summary>
/// Generates the migration benchmark's legacy project: driver files written as before the seed series (GET and PIN
/// acquires released with the renamed <c>PutUserPage</c> / <c>PutUserPages</c> / <c>PutUserPagesDirtyLock</c>, as in
/// samples/Legacy, including a method-group use), each release site matched by one argument check that names its
/// parameter with a string literal (<c>throw new ArgumentNullException("mm")</c>), which the SDK's CA1507 ("use nameof")
/// fixes. So the same files carry as many PIN0301 sites as CA1507 sites, and two <c>dotnet format</c> runs over them,
/// one per rule, compare PinApi's fix with a built-in fix of the same size and kind (a one-token rewrite per site).
/// </summary>
public static class LegacyCorpusGenerator
{
    public const int DefaultSeed = 20200130;

    /// <summary>The parameter checks: each names one parameter with a string literal, one CA1507 site each.</summary>
    private static readonly string[] Checks =
    [
        "if (mm is null)\n    throw new ArgumentNullException(\"mm\");",
        "if (nrPages <= 0)\n    throw new ArgumentOutOfRangeException(\"nrPages\", nrPages, \"nothing to pin\");",
        "if ((start & 0xfff) != 0)\n    throw new ArgumentException(\"the start address must be page aligned\", \"start\");",
    ];

    public static IReadOnlyList<CorpusFile> Generate(int files, int seed = DefaultSeed)
    {
        var rng = new Random(seed);
        var result = new List<CorpusFile>(files);
        for (var i = 0; i < files; i++)
        {
            var name = $"Legacy{i:D4}";
            var text = new StringBuilder();
            text.Append("using System;\nusing PinApi;\n\nnamespace Kernel.Legacy;\n\n");
            text.Append($"/// <summary>A pre-series driver of the migration benchmark: GET/PIN acquires released with the PutUserPage* names.</summary>\n");
            text.Append($"public static class {name}\n{{\n");
            var methods = rng.Next(4) == 0 ? 2 : 1;
            for (var m = 0; m < methods; m++)
            {
                if (m > 0)
                {
                    text.Append('\n');
                }

                WriteMethod(text, rng, $"Transfer{m}");
            }

            text.Append("}\n");
            result.Add(new CorpusFile(name + ".cs", text.ToString()));
        }

        return result;
    }

    private static void WriteMethod(StringBuilder text, Random rng, string name)
    {
        var sites = rng.Next(20) switch
        {
            < 13 => 1,
            < 18 => 2,
            _ => 3,
        };
        var lines = new List<string>();
        lines.Add($"public static int {name}(AddressSpace mm, ulong start, int nrPages, bool dirty)");
        lines.Add("{");
        foreach (var check in Checks.Take(sites))
        {
            lines.AddRange(check.Split('\n').Select(l => "    " + l));
        }

        var acquire = rng.Next(3) switch
        {
            0 => "Gup.GetUserPagesFast(mm, start, nrPages, dirty ? GupFlags.Write : GupFlags.None, pages)",
            1 => "(int)Gup.GetUserPagesUnlocked(mm, start, nrPages, GupFlags.Write, pages)",
            _ => "Gup.PinUserPagesFast(mm, start, nrPages, GupFlags.None, pages)",
        };
        lines.Add("    var pages = new Page[nrPages];");
        lines.Add($"    int got = {acquire};");
        lines.Add("    if (got <= 0)");
        lines.Add("        return got;");

        // The releases: the last one on the success path, the others on error paths before it.
        var releases = Enumerable.Range(0, sites).Select(r => rng.Next(10) switch
        {
            < 4 => "Gup.PutUserPages(pages.AsSpan(0, got));",
            < 7 => "for (int i = 0; i < got; i++)\n    Gup.PutUserPage(pages[i]);",
            < 9 => "Gup.PutUserPagesDirtyLock(pages.AsSpan(0, got), dirty);",
            _ => $"Action<Page> put{r} = Gup.PutUserPage;\nforeach (var page{r} in pages.AsSpan(0, got))\n    put{r}(page{r});",
        }).ToList();
        for (var r = 0; r < releases.Count - 1; r++)
        {
            lines.Add(r == 0 ? "    if (got != nrPages)" : $"    if (pages[{r - 1}].Data[0] == 0xff)");
            lines.Add("    {");
            lines.AddRange(releases[r].Split('\n').Select(l => "        " + l));
            lines.Add($"        return -(int)Errno.{(r == 0 ? "EFAULT" : "EIO")};");
            lines.Add("    }");
            lines.Add(string.Empty);
        }

        lines.Add("    int sum = 0;");
        lines.Add("    for (int k = 0; k < got; k++)");
        lines.Add("        sum += pages[k].Data[0];");
        lines.AddRange(releases[^1].Split('\n').Select(l => "    " + l));
        lines.Add("    return sum;");
        lines.Add("}");
        foreach (var line in lines)
        {
            text.Append(line.Length == 0 ? string.Empty : "    " + line).Append('\n');
        }
    }
}
