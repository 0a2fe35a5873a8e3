using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace Checkup.Functions.Hosting;

/// <summary>
/// The document at <c>/api/openapi.json</c>: typed results and <c>Produces*</c> metadata give the responses; this adds
/// the bearer scheme on every endpoint that needs a token, the ETag header where one is sent, and the problem <c>code</c>.
/// </summary>
public static class OpenApiSetup
{
    public const string BearerScheme = "Bearer";

    public static IServiceCollection AddCheckupOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Checkup API";
            document.Info.Description = "Portfolio check-up application form: the signed-in person's submission, image uploads, admin views. " +
                                        "Errors are RFC 9457 problem+json with a stable 'code'.";
            // The framework writes the request's Host header here, and any caller can send "Host: evil.example": a tool
            // reading the document would then send its requests, token included, there. A relative server is where
            // the document itself was fetched from.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The host this document was fetched from." }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT from the configured issuer (Auth__Authority or Auth__SigningKey); 'sub' is the author id.",
            };
            return Task.CompletedTask;
        });

        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (!metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });

                // Every protected operation can answer these, whichever feature maps it: documented once, here.
                var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: ct);
                AddProblemResponse(operation, "401", "No valid token (WWW-Authenticate says why).", problem);
                if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == Auth.AuthSetup.AdminPolicy))
                {
                    AddProblemResponse(operation, "403", "The token does not carry the admin role.", problem);
                }
            }

            if (metadata.OfType<SendsETag>().Any())
            {
                foreach (var (status, response) in operation.Responses ?? [])
                {
                    if (status is "200" or "201" or "412" && response is OpenApiResponse concrete)
                    {
                        concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                        concrete.Headers["ETag"] = new OpenApiHeader
                        {
                            Description = "The submission's version, quoted (\"3\"); send it back in If-Match.",
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        };
                    }
                }
            }

        });

        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type.IsAssignableTo(typeof(ProblemDetails)) && context.JsonPropertyInfo is null)
            {
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.Properties["code"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "Stable machine-readable error code: submitted, version_mismatch, image_not_owned, image_not_ready, " +
                                  "deadline_passed, validation_failed, invalid_json, bad_request, not_found, submission_not_found, " +
                                  "unauthorized, forbidden, rate_limited, payload_too_large, unsupported_media_type, storage_unavailable, database_unavailable, " +
                                  "upload_in_progress, upload_too_slow, idempotency_key_reused, method_not_allowed, unavailable, internal_error, " +
                                  "image_not_retryable, image_not_failed, erasure_incomplete.",
                };
                schema.Properties["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Per-field messages (validation_failed, image_not_owned, image_not_ready, bad_request), keyed like 'projects[0].name'.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                };
            }

            return Task.CompletedTask;
        });
    });

    private static void AddProblemResponse(OpenApiOperation operation, string status, string description, OpenApiSchema schema)
    {
        operation.Responses ??= new OpenApiResponses();
        if (!operation.Responses.ContainsKey(status))
        {
            operation.Responses[status] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
            };
        }
    }
}

/// <summary>Marks endpoints whose answers carry an <c>ETag</c> (documented by <see cref="OpenApiSetup"/>).</summary>
public sealed record SendsETag;
