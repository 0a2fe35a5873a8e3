namespace Checkup.Core.Submissions;

/// <summary>
/// The parameters of a save or submit statement (<c>@authorId</c>, <c>@p1Name</c>, ...). A typed object rather than
/// <c>DynamicParameters.Add</c>: Dapper binds a typed object's properties with code it generates once, whereas for every
/// added value it first reads <c>NpgsqlParameter.DbType</c>, which Npgsql infers anew through its global type mapper on
/// each call; in a profile of the autosave under load that inference was the costliest part of running the statement.
/// </summary>
internal sealed record FormParameters(
    string AuthorId,
    int[]? ExpectedVersions,
    Guid[] ImageIds,
    string? P1Name, string? P1Description, string? P1Role, Guid? P1Image,
    string? P2Name, string? P2Description, string? P2Role, Guid? P2Image,
    string? P3Name, string? P3Description, string? P3Role, Guid? P3Image);
