using Microsoft.CodeAnalysis.Text;

namespace PinApi.CodeFixes;

/// <summary>
/// One edit a fix makes, located by the span a diagnostic reported: rename the method an invocation calls, or put
/// an identifier (optionally cast) where an expression stood. Edits are plain data so FixAll can merge and
/// de-duplicate the edits of many diagnostics before touching the tree once.
/// </summary>
internal readonly struct SyntaxEdit : System.IEquatable<SyntaxEdit>
{
    private SyntaxEdit(TextSpan span, bool isRename, string text, string cast)
    {
        Span = span;
        IsRename = isRename;
        Text = text;
        Cast = cast;
    }

    public TextSpan Span { get; }

    public bool IsRename { get; }

    public string Text { get; }

    public string Cast { get; }

    public static SyntaxEdit Rename(TextSpan invocation, string name) => new(invocation, true, name, string.Empty);

    public static SyntaxEdit ReplaceWithIdentifier(TextSpan expression, string identifier, string cast) => new(expression, false, identifier, cast);

    public bool Equals(SyntaxEdit other) => Span == other.Span && IsRename == other.IsRename && Text == other.Text && Cast == other.Cast;

    public override bool Equals(object? obj) => obj is SyntaxEdit other && Equals(other);

    public override int GetHashCode() => Span.GetHashCode() ^ Text.GetHashCode();
}
