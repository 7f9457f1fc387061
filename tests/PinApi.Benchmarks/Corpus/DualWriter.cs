namespace PinApi.Benchmarks.Corpus;

/// <summary>
/// Writes a method twice at once, line by line: its PinApi rendering and its IDisposable twin. Lines written with
/// <see cref="Both"/> are the same in both; <see cref="Line"/> writes a different line to each side (or none to one
/// side). Blocks are captured and re-emitted per side, so a body of one statement may drop its braces on one side
/// and keep them on the other (the twin often needs a <c>Dispose()</c> where the PinApi side has nothing to do).
/// </summary>
internal sealed class DualWriter
{
    private List<string> pin = [];
    private List<string> twin = [];
    private int pinDepth;
    private int twinDepth;

    public void Both(string text) => Line(text, text);

    /// <summary>Writes <paramref name="pinText"/> to the PinApi side and <paramref name="twinText"/> to the twin; null skips a side.</summary>
    public void Line(string? pinText, string? twinText)
    {
        if (pinText is not null)
        {
            Add(pin, pinDepth, pinText);
        }

        if (twinText is not null)
        {
            Add(twin, twinDepth, twinText);
        }
    }

    public void Pin(string text) => Line(text, null);

    public void Twin(string text) => Line(null, text);

    public void Open()
    {
        Both("{");
        pinDepth++;
        twinDepth++;
    }

    public void Close()
    {
        pinDepth--;
        twinDepth--;
        Both("}");
    }

    /// <summary>A label sits one level out, as kernel code writes it.</summary>
    public void Label(string name)
    {
        pinDepth--;
        twinDepth--;
        Both(name + ":");
        pinDepth++;
        twinDepth++;
    }

    /// <summary>Runs <paramref name="body"/> against empty buffers and returns what it wrote to each side, unindented.</summary>
    public (List<string> Pin, List<string> Twin) Capture(Action body)
    {
        var (savedPin, savedTwin, savedPinDepth, savedTwinDepth) = (pin, twin, pinDepth, twinDepth);
        pin = [];
        twin = [];
        pinDepth = 0;
        twinDepth = 0;
        try
        {
            body();
            return (pin, twin);
        }
        finally
        {
            (pin, twin, pinDepth, twinDepth) = (savedPin, savedTwin, savedPinDepth, savedTwinDepth);
        }
    }

    /// <summary>
    /// Emits <paramref name="header"/> and a captured body on one side: nothing when the body is empty, the single
    /// statement indented without braces when <paramref name="braceless"/> allows it, a braced block otherwise.
    /// </summary>
    public void Emit(bool pinSide, string header, List<string> body, bool braceless)
    {
        if (body.Count == 0)
        {
            return;
        }

        var lines = pinSide ? pin : twin;
        var depth = pinSide ? pinDepth : twinDepth;
        Add(lines, depth, header);
        if (braceless && body.Count == 1)
        {
            Add(lines, depth + 1, body[0]);
            return;
        }

        Add(lines, depth, "{");
        foreach (var line in body)
        {
            Add(lines, depth + 1, line);
        }

        Add(lines, depth, "}");
    }

    /// <summary>Emits a captured body as plain statements at the current depth.</summary>
    public void Splice(bool pinSide, List<string> body)
    {
        foreach (var line in body)
        {
            Add(pinSide ? pin : twin, pinSide ? pinDepth : twinDepth, line);
        }
    }

    public IReadOnlyList<string> PinLines => pin;

    public IReadOnlyList<string> TwinLines => twin;

    private static void Add(List<string> lines, int depth, string text)
    {
        foreach (var line in text.Split('\n'))
        {
            lines.Add(line.Length == 0 ? string.Empty : new string(' ', 4 * depth) + line);
        }
    }
}
