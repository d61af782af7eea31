using System.Text;
using System.Text.Json;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Streams;

/// <summary>
/// Refuses JSON with a key twice in one object. System.Text.Json (like many parsers) lets the later
/// copy win silently, others keep the first: a document that means different things to different
/// parsers must not be trusted, signed or not.
/// </summary>
internal static class DuplicateKeyCheck
{
    /// <summary>Up to this many keys an object's names are compared directly; beyond, a hash set takes over.</summary>
    private const int LinearLimit = 16;

    /// <summary>Throws <see cref="MalformedDocumentException"/> naming the key and its line.</summary>
    /// <param name="json">Syntactically valid JSON (already parsed once).</param>
    /// <param name="documentName">For the message.</param>
    /// <param name="lineOffset">Lines before <paramref name="json"/> in the file (signed documents).</param>
    public static void Ensure(ReadOnlySpan<byte> json, string documentName, int lineOffset)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        var frames = new List<Frame>();
        int depth = -1;
        var names = new byte[4096]; // the names of every open object, back to back
        int used = 0;
        var unescaped = new byte[256];
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray: // arrays get a frame too, so depths stay aligned
                    depth++;
                    if (depth == frames.Count) frames.Add(new Frame());
                    frames[depth].Reset(used);
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    used = frames[depth].Start;
                    depth--;
                    break;
                case JsonTokenType.PropertyName:
                    ReadOnlySpan<byte> name = reader.ValueSpan;
                    if (reader.ValueIsEscaped)
                    {
                        // "\u0061" and "a" are the same key: compare what the escapes mean.
                        if (unescaped.Length < name.Length) unescaped = new byte[name.Length];
                        name = unescaped.AsSpan(0, reader.CopyString(unescaped));
                    }
                    if (!frames[depth].Add(name, ref names, ref used))
                    {
                        var line = lineOffset + 1 + json[..(int)reader.TokenStartIndex].Count((byte)'\n');
                        var key = Encoding.UTF8.GetString(name);
                        throw new MalformedDocumentException(
                            $"'{documentName}' has the key \"{key}\" twice in one object (line {line}): a document that different parsers read differently is not trusted.",
                            documentName);
                    }
                    break;
            }
        }
    }

    /// <summary>The keys seen so far in one open object.</summary>
    private sealed class Frame
    {
        private readonly List<(int Offset, int Length)> _spans = [];
        private HashSet<string>? _set;

        /// <summary>Where this object's names start in the shared buffer.</summary>
        public int Start { get; private set; }

        public void Reset(int start)
        {
            Start = start;
            _spans.Clear();
            _set = null;
        }

        /// <summary>False when <paramref name="name"/> was already seen in this object.</summary>
        public bool Add(ReadOnlySpan<byte> name, ref byte[] buffer, ref int used)
        {
            if (_set is not null) return _set.Add(Encoding.UTF8.GetString(name));
            foreach (var (offset, length) in _spans)
            {
                if (buffer.AsSpan(offset, length).SequenceEqual(name)) return false;
            }
            if (_spans.Count == LinearLimit)
            {
                _set = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (offset, length) in _spans) _set.Add(Encoding.UTF8.GetString(buffer, offset, length));
                return _set.Add(Encoding.UTF8.GetString(name));
            }
            if (used + name.Length > buffer.Length) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + name.Length));
            name.CopyTo(buffer.AsSpan(used));
            _spans.Add((used, name.Length));
            used += name.Length;
            return true;
        }
    }
}
