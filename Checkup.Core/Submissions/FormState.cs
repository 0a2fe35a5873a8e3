using System.Text.Json.Serialization;

namespace Checkup.Core.Submissions;

/// <summary>The whole form as the client holds it (PUT draft, POST submit): at most three projects, in slot order.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FormState
{
    public required IReadOnlyList<ProjectInput?>? Projects { get; init; }
}

/// <summary>One project of the form. <c>slot</c> is optional; when given it must be the project's position (1-3).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProjectInput
{
    public int? Slot { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Role { get; init; }
    public Guid? ImageId { get; init; }
}

/// <summary>One slot's stored values; slots a form leaves out are empty.</summary>
public sealed record ProjectValues(string? Name, string? Description, string? Role, Guid? ImageId)
{
    public static readonly ProjectValues Empty = new(null, null, null, null);
}
