using Checkup.Core.People;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Checkup.Functions.Auth;

/// <summary>
/// The one place a token's <c>sub</c> is checked: right after its signature, issuer, audience and lifetime were. A
/// subject that cannot name a person (<see cref="PersonId"/>) fails authentication, so every endpoint answers 401 with
/// the reason before anything reads or stores it. A token without a subject stays signed in without one: the user policy
/// refuses it (403), as before.
/// </summary>
internal static class SubjectCheck
{
    public static Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        var subjects = context.Principal?.FindAll("sub").Select(c => c.Value).ToList() ?? [];
        var problem = subjects.Count switch
        {
            0 => null,
            1 => PersonId.Problem(subjects[0]) is { } reason ? $"the subject ('sub') {reason}" : null,
            _ => "the token has more than one subject ('sub')",
        };
        if (problem is not null)
        {
            context.Fail(new SubjectRefusedException(problem));
        }

        return Task.CompletedTask;
    }

    /// <summary>The JWT handler describes only its own failures in <c>error_description</c>; this one says which rule the subject broke.</summary>
    public static Task OnChallengeAsync(JwtBearerChallengeContext context)
    {
        if (context.AuthenticateFailure is SubjectRefusedException refused)
        {
            context.Error = "invalid_token";
            context.ErrorDescription = refused.Message; // never the subject itself: it may hold anything a header cannot
        }

        return AuthProblems.WriteChallengeAsync(context);
    }

    private sealed class SubjectRefusedException(string message) : Exception(message);
}
