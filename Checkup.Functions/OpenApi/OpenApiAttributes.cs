namespace Checkup.Functions.OpenApi;

// What an HTTP function's [HttpTrigger] and policy attributes do not say about it, for the OpenAPI document
// (OpenApiDocument reads them with the trigger). A function without [Operation] fails the document's test.

/// <summary>The operation's group in the docs (its tag), its one-line summary and, optionally, more words.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OperationAttribute(string tag, string summary) : Attribute
{
    public string Tag => tag;

    public string Summary => summary;

    public string? Description { get; init; }
}

/// <summary>A query parameter the function reads (all are optional strings unless <see cref="Required"/>).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class QueryParameterAttribute(string name, string description) : Attribute
{
    public string Name => name;

    public string Description => description;

    public bool Required { get; init; }

    /// <summary>The parameter's values, when it takes one of a few (a comma-separated list of them is described, not typed).</summary>
    public string? Format { get; init; }
}

/// <summary>A request header the function reads (<c>If-Match</c>, <c>Idempotency-Key</c>).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class HeaderParameterAttribute(string name, string description) : Attribute
{
    public string Name => name;

    public string Description => description;
}

/// <summary>The body a function reads, by its media type: one at most (<see cref="JsonBodyAttribute"/> or <see cref="MultipartUploadAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public abstract class RequestBodyAttribute(string mediaType) : Attribute
{
    public string MediaType => mediaType;
}

/// <summary>The request body is JSON of <see cref="Type"/> (read by <c>JsonBodyAsync</c>: 400 and 415 come with it).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class JsonBodyAttribute(Type type) : RequestBodyAttribute("application/json")
{
    public Type Type => type;
}

/// <summary>The request body is <c>multipart/form-data</c> with one file in the part named <see cref="Field"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MultipartUploadAttribute(string part, string description) : RequestBodyAttribute("multipart/form-data")
{
    public string Field => part;

    public string Description => description;
}

/// <summary>
/// A successful answer (or any answer that is not problem+json): its status, body type (null for none) and media type,
/// and the response headers it carries, named as in <see cref="ResponseHeaders"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RespondsAttribute(int status, Type? type, string description) : Attribute
{
    public int Status => status;

    public Type? Type => type;

    public string Description => description;

    public string ContentType { get; init; } = "application/json";

    public string[] Headers { get; init; } = [];
}

/// <summary>
/// A problem+json answer of the function itself: its status and stable <c>code</c>, when it comes. Answers of the
/// worker middleware (401, 403, 413, 415, 429 and the exception mapping) follow from the function's policy and body
/// attributes and are added by <see cref="OpenApiDocument"/>; they need no attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProblemAttribute(int status, string code, string description) : Attribute
{
    public int Status => status;

    public string Code => code;

    public string Description => description;

    /// <summary>A problem type with more members than ProblemDetails (<c>VersionMismatchProblem</c>'s <c>current</c>).</summary>
    public Type? Schema { get; init; }

    public string[] Headers { get; init; } = [];
}

/// <summary>
/// <see cref="ProblemAttribute"/>s that several functions answer alike, listed once in a subclass (the draft save's and
/// the submit's <c>FormStateProblems</c>): the document adds each to every function that carries the set.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public abstract class ProblemSetAttribute : Attribute
{
    public abstract IReadOnlyList<ProblemAttribute> Problems { get; }
}
