namespace PinApi.Samples.Drivers;

/// <summary><c>struct videobuf_dmabuf</c> (the user-pointer part).</summary>
internal sealed class VideobufDmabuf
{
    public Page[] Pages { get; set; } = [];

    public long NrPages { get; set; }

    public long Offset { get; set; }

    public ulong Size { get; set; }

    public DmaDirection Direction { get; set; } = DmaDirection.None;

    public DmaMapping? Sglist { get; set; }

    public int Sglen { get; set; }
}
