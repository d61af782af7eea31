using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MaasImages.TestServer;

/// <summary>
/// A small JSON API under <c>/_control/</c> so an out-of-process test (Pester) can drive faults and read counters:
/// <c>POST /_control/faults</c> (add a rule), <c>GET /_control/faults</c> (list), <c>DELETE /_control/faults</c> (clear),
/// <c>GET /_control/stats</c>, <c>POST /_control/reset</c>. Control requests are neither faulted nor recorded.
/// </summary>
internal sealed class ControlEndpoints(FaultPlan faults, RequestLog log)
{
    public const string Prefix = "/_control";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        switch (request.Method, request.Path.Value)
        {
            case ("POST", Prefix + "/faults"):
                await AddFaultAsync(context);
                break;
            case ("GET", Prefix + "/faults"):
                await response.WriteAsJsonAsync(faults.Rules.Select(Describe), Json, context.RequestAborted);
                break;
            case ("DELETE", Prefix + "/faults"):
                faults.Clear();
                response.StatusCode = StatusCodes.Status204NoContent;
                break;
            case ("GET", Prefix + "/stats"):
                await response.WriteAsJsonAsync(new { bytesSent = log.BytesSent, requests = log.Snapshot() }, Json, context.RequestAborted);
                break;
            case ("POST", Prefix + "/reset"):
                log.Reset();
                response.StatusCode = StatusCodes.Status204NoContent;
                break;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                break;
        }
    }

    private async Task AddFaultAsync(HttpContext context)
    {
        FaultRule rule;
        try
        {
            // Read the body whatever its Content-Type: curl -d and Invoke-RestMethod should both just work.
            var body = await JsonSerializer.DeserializeAsync<FaultRequest>(context.Request.Body, Json, context.RequestAborted)
                ?? throw new JsonException("Empty body.");
            rule = faults.Add(body.Path ?? throw new ArgumentException("'path' is required."), body.ToFault(), body.Count ?? 1);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { error = ex.Message }, Json, context.RequestAborted);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(Describe(rule), Json, context.RequestAborted);
    }

    private static object Describe(FaultRule rule) =>
        new { path = rule.PathPattern, kind = rule.Fault.Kind.ToString(), fault = rule.Fault.ToString(), remaining = rule.Remaining };

    /// <summary>The JSON body of <c>POST /_control/faults</c>; which fields matter depends on <see cref="Kind"/>.</summary>
    private sealed record FaultRequest(
        string? Path, string? Kind, int? Count, int? Status, int? RetryAfter, long? Bytes, long? Offset,
        int? DurationMs, long? Delta, long? BytesPerSecond)
    {
        public Fault ToFault() => Kind?.ToUpperInvariant() switch
        {
            "STATUS" => Fault.Status(Required(Status, "status"), RetryAfter),
            "DROPAFTER" => Fault.DropAfter(Required(Bytes, "bytes")),
            "CORRUPTBYTE" => Fault.CorruptByte(Required(Offset, "offset")),
            "IGNORERANGE" => Fault.IgnoreRange(),
            "STALL" => Fault.Stall(Bytes ?? 0, TimeSpan.FromMilliseconds(Required(DurationMs, "durationMs"))),
            "WRONGCONTENTLENGTH" => Fault.WrongContentLength(Required(Delta, "delta")),
            "WEAKETAG" => Fault.WeakETag(),
            "THROTTLE" => Fault.Throttle(Required(BytesPerSecond, "bytesPerSecond")),
            _ => throw new ArgumentException(
                $"Unknown kind '{Kind}'; use one of: {string.Join(", ", Enum.GetNames<FaultKind>())}."),
        };

        private T Required<T>(T? value, string name)
            where T : struct => value ?? throw new ArgumentException($"'{name}' is required for kind {Kind}.");
    }
}
