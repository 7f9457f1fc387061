using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using PinApi.Analyzers;

namespace PinApi.CodeFixes;

/// <summary>
/// PIN0001 → the unpin twin of the release; PIN0002 → the GET twin of the unpin, or the acquire converted to its
/// Pin* twin with every GET release of it converted too; PIN0201 (FOLL_LONGTERM on a GET call) and PIN0205 (GET
/// pages handed to a device or written through) → the same conversion. Everything comes from the diagnostic's properties and
/// additional locations: the fixer never redoes the analysis.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReleaseFamilyCodeFixProvider))]
[Shared]
public sealed class ReleaseFamilyCodeFixProvider : CodeFixProvider
{
    private const string ReplacementKey = DiagnosticPropertyKeys.Replacement;
    private const string AcquireTwinKey = DiagnosticPropertyKeys.AcquireTwin;
    private const string ReleaseTwinsKey = DiagnosticPropertyKeys.ReleaseTwins;

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("PIN0001", "PIN0002", "PIN0201", "PIN0205");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        var edits = diagnostics.SelectMany(d => Edits(d, string.IsNullOrEmpty(context.CodeActionEquivalenceKey) ? PreferredKey(d) : context.CodeActionEquivalenceKey!));
        return await SyntaxEditor.ApplyAsync(document, edits, context.CancellationToken).ConfigureAwait(false);
    });

    /// <summary>
    /// The action a diagnostic offers first. dotnet format takes the Fix All key from the first action of the first
    /// diagnostic it meets; when that diagnostic offers none (a field-paired release with no same-shaped twin), the key
    /// is null and each diagnostic gets its own first action instead of nothing.
    /// </summary>
    private static string PreferredKey(Diagnostic diagnostic) =>
        IsConvertible(diagnostic) || diagnostic.Id is "PIN0201" or "PIN0205"
            ? PinFixKeys.ConvertAcquireToPin
            : diagnostic.Id == "PIN0001" ? PinFixKeys.UseUnpin : PinFixKeys.UsePutPage;

    /// <summary>A diagnostic that carries the GET→PIN conversion (the analyzer found a twin for the acquire and each release).</summary>
    private static bool IsConvertible(Diagnostic diagnostic) =>
        diagnostic.Id is "PIN0002" or "PIN0201" or "PIN0205" &&
        diagnostic.Properties.TryGetValue(AcquireTwinKey, out var twin) && twin is not null &&
        diagnostic.Properties.ContainsKey(ReleaseTwinsKey) && diagnostic.AdditionalLocations.Count > 0;

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            // The conversion comes first: it is the series' direction (GET + put_user_page → pin_user_pages +
            // unpin_user_page), and dotnet format applies the first action of a diagnostic across a whole solution.
            if (IsConvertible(diagnostic) && diagnostic.Properties.TryGetValue(AcquireTwinKey, out var twin))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Convert the acquire to '{twin}' and its releases to the unpin family",
                        token => SyntaxEditor.ApplyAsync(context.Document, Edits(diagnostic, PinFixKeys.ConvertAcquireToPin), token),
                        PinFixKeys.ConvertAcquireToPin),
                    diagnostic);
            }

            if (diagnostic.Properties.TryGetValue(ReplacementKey, out var replacement) && replacement is not null)
            {
                var key = diagnostic.Id == "PIN0001" ? PinFixKeys.UseUnpin : PinFixKeys.UsePutPage;
                context.RegisterCodeFix(
                    CodeAction.Create($"Use '{replacement}'", token => SyntaxEditor.ApplyAsync(context.Document, Edits(diagnostic, key), token), key),
                    diagnostic);
            }
        }

        return Task.CompletedTask;
    }

    private static IEnumerable<SyntaxEdit> Edits(Diagnostic diagnostic, string key)
    {
        if (key is PinFixKeys.UseUnpin or PinFixKeys.UsePutPage)
        {
            if (diagnostic.Properties.TryGetValue(ReplacementKey, out var replacement) && replacement is not null &&
                (key == PinFixKeys.UseUnpin) == (diagnostic.Id == "PIN0001"))
            {
                yield return SyntaxEdit.Rename(diagnostic.Location.SourceSpan, replacement);
            }

            yield break;
        }

        if (key == PinFixKeys.ConvertAcquireToPin && IsConvertible(diagnostic) &&
            diagnostic.Properties.TryGetValue(AcquireTwinKey, out var acquireTwin) && acquireTwin is not null &&
            diagnostic.Properties.TryGetValue(ReleaseTwinsKey, out var releaseTwins) && releaseTwins is not null &&
            diagnostic.AdditionalLocations.Count > 0)
        {
            foreach (var edit in ConversionEdits(diagnostic.AdditionalLocations, acquireTwin, releaseTwins))
            {
                yield return edit;
            }
        }
    }

    /// <summary>
    /// The GET→PIN conversion as edits: location 0 (the acquire) becomes <paramref name="acquireTwin"/>, locations
    /// 1..n (its GET releases) become the ';'-separated <paramref name="releaseTwins"/>. Shared with the refactoring.
    /// </summary>
    internal static IEnumerable<SyntaxEdit> ConversionEdits(IReadOnlyList<Location> locations, string acquireTwin, string releaseTwins)
    {
        yield return SyntaxEdit.Rename(locations[0].SourceSpan, acquireTwin);
        var twins = releaseTwins.Length == 0 ? new string[0] : releaseTwins.Split(';');
        for (var i = 0; i < twins.Length && i + 1 < locations.Count; i++)
        {
            yield return SyntaxEdit.Rename(locations[i + 1].SourceSpan, twins[i]);
        }
    }
}
