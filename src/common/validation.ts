import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * Turns class-validator errors into one message that names every bad field, nested ones by their path. A missing
 * required field gets one message that names it as required, instead of every rule its missing value breaks.
 */
export function validationMessage(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.values(error.constraints ?? {});
    if (error.value === undefined && constraints.length > 0) {
      return [`${path} is missing: it is required`];
    }

    const own = constraints.map((constraint) => constraint.replace(error.property, path));
    return [...own, ...validationMessage(error.children ?? [], path)];
  });
}

/**
 * Creates the validation of every request's parameters, query and body. It converts values to the DTO's types and
 * rejects an unknown field with a 400, like a bad one.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => new BadRequestException(validationMessage(errors)),
  });
}
