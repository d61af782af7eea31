namespace MaasImages.Engine.Streams;

/// <summary>What a content id in a stream index holds.</summary>
public enum MaasContentKind
{
    /// <summary>Ubuntu kernels/initrds/squashfs or CentOS root-tgz: what Get-MaasImageVersion lists.</summary>
    Images,
    /// <summary>Bootloader archives (pxelinux, grub, shim).</summary>
    Bootloaders,
    /// <summary>MAAS notifications: nothing to download.</summary>
    Notifications,
    /// <summary>A content id this version does not know: skipped, never fatal.</summary>
    Unknown,
}

/// <summary>What is known about the signature of a stream's metadata.</summary>
public enum StreamSignatureStatus
{
    /// <summary>Signed and verified against the keyring.</summary>
    Verified,
    /// <summary>The documents carry no signature.</summary>
    Unsigned,
    /// <summary>The user asked not to check (-SkipSignatureCheck).</summary>
    Skipped,
}

/// <summary>One content id of a stream index (a products document).</summary>
public sealed class MaasContent
{
    internal MaasContent(string contentId, MaasContentKind kind, string? format, string? datatype, string path, Uri uri,
        IReadOnlyList<string> products, DateTimeOffset? updated)
    {
        ContentId = contentId;
        Kind = kind;
        Format = format;
        Datatype = datatype;
        Path = path;
        Uri = uri;
        Products = Formatting.Readable.List(products);
        Updated = updated;
    }

    public string ContentId { get; }
    public MaasContentKind Kind { get; }
    public string? Format { get; }
    public string? Datatype { get; }
    /// <summary>Path of the products document, relative to the stream root.</summary>
    public string Path { get; }
    public Uri Uri { get; }
    public IReadOnlyList<string> Products { get; }
    public int ProductCount => Products.Count;
    public DateTimeOffset? Updated { get; }
    /// <summary>Where the content id stands in the index document (simplestreams reads them in this order).</summary>
    internal int IndexPosition { get; init; }
    /// <summary>True when this version can read the document (<c>products:1.0</c>).</summary>
    public bool IsSupportedFormat => string.Equals(Format, "products:1.0", StringComparison.Ordinal);

    public override string ToString() => $"{ContentId} ({Kind}, {Formatting.Counted.Of(ProductCount, "product")})";
}

/// <summary>A simplestreams stream (e.g. images.maas.io ephemeral-v3/stable), as read from its index.</summary>
public sealed class MaasStream
{
    internal MaasStream(string name, StreamSource source, string indexPath, Uri indexUri, DateTimeOffset? updated,
        SignatureMode mode, StreamSignatureStatus signatureStatus, Security.SignerInfo? signer, Security.Keyring? keyring,
        IReadOnlyList<MaasContent> contents, byte[] indexBytes, byte[]? indexDetachedSignature = null)
    {
        IndexDetachedSignature = indexDetachedSignature;
        Name = name;
        Source = source;
        IndexPath = indexPath;
        IndexUri = indexUri;
        Updated = updated;
        Mode = mode;
        SignatureStatus = signatureStatus;
        Signer = signer;
        Keyring = keyring;
        Contents = Formatting.Readable.List(contents);
        IndexBytes = indexBytes;
    }

    public string Name { get; }
    /// <summary>The stream root: every document and file path is relative to it.</summary>
    public Uri Uri => Source.Root;
    public string IndexPath { get; }
    public Uri IndexUri { get; }
    public DateTimeOffset? Updated { get; }
    /// <summary>The index carries a signature (cleartext .sjson or detached .json.gpg).</summary>
    public bool Signed => Mode != SignatureMode.None;
    /// <summary>The signature was checked against the keyring and is good.</summary>
    public bool Verified => SignatureStatus == StreamSignatureStatus.Verified;
    public StreamSignatureStatus SignatureStatus { get; }
    /// <summary>Fingerprint of the signing (primary) key, when verified.</summary>
    public string? SignedBy => Signer?.Fingerprint;
    /// <summary>User id of the signing key, when verified.</summary>
    public string? SignerUserId => Signer?.UserId;
    /// <summary>Id of the key (or subkey) that made the signature, when verified.</summary>
    public string? SignerKeyId => Signer?.KeyId;
    public IReadOnlyList<MaasContent> Contents { get; }
    public int ProductCount => Contents.Sum(c => c.ProductCount);
    public IReadOnlyList<string> ContentIds => Formatting.Readable.List(Contents.Select(c => c.ContentId));

    internal StreamSource Source { get; }
    internal SignatureMode Mode { get; }
    internal Security.SignerInfo? Signer { get; }
    /// <summary>The keyring the index was verified with; products documents are checked with it too.</summary>
    internal Security.Keyring? Keyring { get; }
    /// <summary>The index exactly as fetched (mirrors keep it byte-for-byte).</summary>
    internal byte[] IndexBytes { get; }
    /// <summary>The detached signature the index was checked with (index.json.gpg), as fetched.</summary>
    internal byte[]? IndexDetachedSignature { get; }
    /// <summary>The index as a document that can be written as it was checked.</summary>
    internal DocumentBytes IndexDocument => new(IndexPath, IndexBytes, IndexDetachedSignature, null, Updated?.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

    public override string ToString() => $"{Name} ({Uri})";
}

/// <summary>One file of an image version (a simplestreams item).</summary>
public sealed class MaasImageFile
{
    private readonly CatalogItem _item;
    private readonly StreamSource _source;
    private string? _path;
    private string? _sha256;
    private string? _fileType;
    private Uri? _uri;
    private IReadOnlyDictionary<string, string>? _properties;

    internal MaasImageFile(CatalogItem item, StreamSource source)
    {
        _item = item;
        _source = source;
    }

    // Values come from the parsed document on first use: listing a 20 MB document must not pay
    // for 80,000 paths, hashes and URIs nobody reads.

    /// <summary>The item name (boot-kernel, squashfs, manifest…).</summary>
    public string Name => _item.Name;
    /// <summary>The item's ftype.</summary>
    public string FileType => _fileType ??= _item.GetOwn("ftype") ?? _item.Name;
    /// <summary>Path relative to the stream root (validated: relative, no '..').</summary>
    public string Path => _path ??= _item.Path;
    public long Size => _item.Size;
    /// <summary>SHA-256 of the content, lower-case hex.</summary>
    public string Sha256 => _sha256 ??= _item.Sha256;
    public Uri Uri => _uri ??= _source.Resolve(Path);
    /// <summary>The item's own properties (kpackage, src_package…).</summary>
    public IReadOnlyDictionary<string, string> Properties => _properties ??= Formatting.Readable.Dictionary(_item.Props.Own());

    public override string ToString() => Path;
}

/// <summary>One version of one image product: everything needed to download and place it.</summary>
public sealed class MaasImageVersion
{
    private readonly PropertyBag _props;
    private readonly CatalogItem[] _items;
    private IReadOnlyDictionary<string, string>? _properties;
    private IReadOnlyList<MaasImageFile>? _files;

    internal MaasImageVersion(MaasStream stream, string contentId, string productName, string versionName,
        PropertyBag props, CatalogItem[] items, bool isLatest, (int Content, int Product) streamPosition = default, DocumentBytes? document = null)
    {
        StreamPosition = streamPosition;
        Stream = stream;
        Document = document;
        ContentId = contentId;
        ProductName = productName;
        VersionName = versionName;
        _props = props;
        _items = items;
        IsLatest = isLatest;
        long size = 0;
        foreach (var item in items) size += item.Size;
        Size = size;
    }

    public string Os => _props.Get("os") ?? string.Empty;
    public string Release => _props.Get("release") ?? string.Empty;
    /// <summary>The OS version number, e.g. 22.04 (simplestreams <c>version</c>).</summary>
    public string ReleaseVersion => _props.Get("version") ?? string.Empty;
    public string? ReleaseTitle => _props.Get("release_title");
    public string? ReleaseCodename => _props.Get("release_codename");
    public string Arch => _props.Get("arch") ?? string.Empty;
    public string Subarch => _props.Get("subarch") ?? string.Empty;
    /// <summary>Every subarch this kernel serves (the comma list <c>subarches</c>).</summary>
    public IReadOnlyList<string> Subarches => Formatting.Readable.List(PropertyLists.Split(_props.Get("subarches")));
    public string? Kflavor => _props.Get("kflavor");
    public string? Krel => _props.Get("krel");
    public string Label => _props.Get("label") ?? string.Empty;
    public string ProductName { get; }
    public string VersionName { get; }
    public string ContentId { get; }
    /// <summary>The products document (stream-relative path) this version comes from, for messages.</summary>
    internal string DocumentName { get; init; } = string.Empty;
    /// <summary>True when this is the newest version of its product in the stream.</summary>
    public bool IsLatest { get; }
    /// <summary>The files (simplestreams items) of this version, built on first use.</summary>
    public IReadOnlyList<MaasImageFile> Files => _files ??= Formatting.Readable.List(Array.ConvertAll(_items, item => new MaasImageFile(item, Stream.Source)));
    /// <summary>Total bytes of <see cref="Files"/>.</summary>
    public long Size { get; }
    public DateTime? SupportEol => ParseDate(_props.Get("support_eol"));
    public DateTime? SupportEsmEol => ParseDate(_props.Get("support_esm_eol"));
    /// <summary>Every flattened property (top → product → version, plus product_name and version_name).</summary>
    public IReadOnlyDictionary<string, string> Properties => _properties ??= BuildProperties();
    public MaasStream Stream { get; }
    /// <summary>The products document this version was read from, as checked.</summary>
    internal DocumentBytes? Document { get; }
    public string StreamName => Stream.Name;
    public bool Signed => Stream.Signed;
    public bool Verified => Stream.Verified;
    public StreamSignatureStatus SignatureStatus => Stream.SignatureStatus;
    public string? SignedBy => Stream.SignedBy;
    public string? SignerUserId => Stream.SignerUserId;

    /// <summary>
    /// Where the product stands in the stream: its content id's place in the index, then its place
    /// in the products document. Simplestreams hands products to MAAS in this order, which decides
    /// who wins a maas.meta key two products share.
    /// </summary>
    internal (int Content, int Product) StreamPosition { get; }

    /// <summary>
    /// The version's own level (its parent chain is product, then top): maas.meta is built from all
    /// its items in document order, whatever item filter selected <see cref="Files"/>.
    /// </summary>
    internal PropertyBag VersionProps => _props;

    /// <summary>The items behind <see cref="Files"/>, without building them (checks over a whole listing).</summary>
    internal CatalogItem[] Items => _items;

    private Formatting.ReadableDictionary BuildProperties()
    {
        var flat = _props.Flatten();
        flat["product_name"] = ProductName;
        flat["version_name"] = VersionName;
        return Formatting.Readable.Dictionary(flat);
    }

    private static DateTime? ParseDate(string? text) =>
        DateTime.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var d)
            ? d : null;

    public override string ToString() => $"{ProductName}@{VersionName}";
}
